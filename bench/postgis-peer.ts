export interface PeerReport {
  loaded: string;
  p50: number;
  p99: number;
  sameTop: number;
}
export async function runPostgisPeer(..._args: unknown[]): Promise<PeerReport> {
  throw new Error('not yet');
}
