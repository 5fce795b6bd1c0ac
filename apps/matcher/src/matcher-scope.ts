import { type GeoPoint, regionOwning, regionsHolding } from '@huigong/domain';
import type { AppConfig } from '@huigong/platform';

/** What a matcher decides for (`owns`) and keeps copies of (`holds`): everything, or its region and border. */
export interface MatcherScope {
  /** Whether the area is split into regions (MATCHER_REGIONS). */
  split: boolean;
  /** The region this matcher owns, for logs and queue names; null without regions. */
  region: string | null;
  owns(place: GeoPoint): boolean;
  holds(place: GeoPoint): boolean;
}

export function matcherScope(split: AppConfig['matcherRegions']): MatcherScope {
  const name = split?.mine ?? null;
  if (split === null || name === null) return { split: false, region: null, owns: () => true, holds: () => true };
  return {
    split: true,
    region: name,
    owns: (place) => regionOwning(split.regions, place).name === name,
    holds: (place) => regionsHolding(split.regions, place, split.borderKm).some((region) => region.name === name),
  };
}
