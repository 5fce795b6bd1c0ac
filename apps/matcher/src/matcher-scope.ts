import { type GeoPoint, regionBounds, regionOwning, regionsHolding } from '@huigong/domain';
import type { AppConfig } from '@huigong/platform';

/** What a matcher decides for (`owns`) and keeps copies of (`holds`): everything, or its region and border. */
export interface MatcherScope {
  /** Whether the area is split into regions (MATCHER_REGIONS). */
  split: boolean;
  /** The region this matcher owns, for logs and queue names; null without regions. */
  region: string | null;
  owns(place: GeoPoint): boolean;
  holds(place: GeoPoint): boolean;
  /** A rectangle around all it holds, for reading only those rows; null: everything. */
  bounds: { minLat: number; maxLat: number; minLng: number; maxLng: number } | null;
}

export function matcherScope(split: AppConfig['matcherRegions']): MatcherScope {
  const name = split?.mine ?? null;
  if (split === null || name === null) return { split: false, region: null, owns: () => true, holds: () => true, bounds: null };
  const mine = split.regions.find((region) => region.name === name);
  return {
    split: true,
    region: name,
    bounds: mine === undefined ? null : regionBounds(mine, split.borderKm),
    owns: (place) => regionOwning(split.regions, place).name === name,
    holds: (place) => regionsHolding(split.regions, place, split.borderKm).some((region) => region.name === name),
  };
}
