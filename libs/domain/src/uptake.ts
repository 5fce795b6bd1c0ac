/** The share of offers that were redeemed, to three decimals; 0 when none was offered. */
export function uptakeRate(redeemed: number, offered: number): number {
  return offered === 0 ? 0 : Math.round((redeemed / offered) * 1000) / 1000;
}
