import { cellKey, cellsWithin } from './grid';

/** An offer placed on the map: an opening or a slot, each with its own radius. */
export interface PlacedOffer {
  id: string;
  location: { lat: number; lng: number };
  radiusKm: number;
}

/**
 * Open openings or active slots by place, for the other direction: a new or changed person is checked
 * against the offers within reach, not against every offer of the city.
 */
export class OfferIndex<T extends PlacedOffer> {
  /** `admits`: whether a place belongs in this index (a region matcher's area and border); an offer elsewhere is removed. */
  constructor(private readonly admits: (place: { lat: number; lng: number }) => boolean = () => true) {}

  private readonly byId = new Map<string, T>();
  private readonly cells = new Map<number, Map<string, T>>();
  private largestRadiusKm = 0;

  get size(): number {
    return this.byId.size;
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  values(): IterableIterator<T> {
    return this.byId.values();
  }

  upsert(offer: T): void {
    this.remove(offer.id);
    if (!this.admits(offer.location)) return;
    this.byId.set(offer.id, offer);
    const key = cellKey(offer.location.lat, offer.location.lng);
    let members = this.cells.get(key);
    if (members === undefined) this.cells.set(key, (members = new Map<string, T>()));
    members.set(offer.id, offer);
    this.largestRadiusKm = Math.max(this.largestRadiusKm, offer.radiusKm);
  }

  remove(id: string): boolean {
    const offer = this.byId.get(id);
    if (offer === undefined) return false;
    this.byId.delete(id);
    const key = cellKey(offer.location.lat, offer.location.lng);
    const members = this.cells.get(key);
    members?.delete(id);
    if (members?.size === 0) this.cells.delete(key);
    return true;
  }

  /** Every offer whose own radius, and the person's reach, may include the point. */
  forEachReaching(lat: number, lng: number, reachKm: number, visit: (offer: T) => void): void {
    const keys = cellsWithin(lat, lng, Math.min(reachKm, this.largestRadiusKm));
    if (keys === undefined || keys.length > this.cells.size) {
      for (const members of this.cells.values()) for (const offer of members.values()) visit(offer);
      return;
    }
    for (const key of keys) {
      const members = this.cells.get(key);
      if (members !== undefined) for (const offer of members.values()) visit(offer);
    }
  }
}
