import { type GeoPoint, KM_PER_DEGREE, distanceKm } from './geo';

/**
 * A region of a deployment split for its matchers (MATCHER_REGIONS): a named rectangle of longitudes and
 * latitudes. Each matcher owns one region: it decides for the people and offers whose place is in it, and
 * holds copies of those within a border around it, so that everyone an owned offer or person can reach is in
 * its memory.
 */
export interface Region {
  name: string;
  minLng: number;
  minLat: number;
  maxLng: number;
  maxLat: number;
}

/** How far a place is from a region, in kilometres (0 inside it). */
export function distanceToRegionKm(region: Region, point: GeoPoint): number {
  const nearest = { lat: Math.min(Math.max(point.lat, region.minLat), region.maxLat), lng: Math.min(Math.max(point.lng, region.minLng), region.maxLng) };
  return distanceKm(point, nearest);
}

/**
 * The one region that decides for a place: the first that contains it (edges included, so a place on a
 * shared edge goes to the region listed first), else the nearest: no place is left without an owner.
 */
export function regionOwning(regions: readonly Region[], point: GeoPoint): Region {
  let nearest = regions[0];
  let nearestKm = Number.POSITIVE_INFINITY;
  for (const region of regions) {
    const km = distanceToRegionKm(region, point);
    if (km === 0) return region;
    if (km < nearestKm) [nearest, nearestKm] = [region, km];
  }
  return nearest;
}

/** Every region that keeps a copy of what is at a place: its owner and those within `borderKm` of it. */
export function regionsHolding(regions: readonly Region[], point: GeoPoint, borderKm: number): Region[] {
  const owner = regionOwning(regions, point);
  return regions.filter((region) => region === owner || distanceToRegionKm(region, point) <= borderKm);
}

/**
 * MATCHER_REGIONS: `name:minLng,minLat,maxLng,maxLat` separated by `;`. Returns the regions, or a sentence
 * saying what is wrong.
 */
export function parseRegions(text: string): Region[] | string {
  const regions: Region[] = [];
  for (const entry of text
    .split(';')
    .map((part) => part.trim())
    .filter((part) => part !== '')) {
    const match = /^([a-z0-9][a-z0-9-]{0,30}):(.+)$/.exec(entry);
    const numbers = match === null ? [] : match[2].split(',').map((part) => Number(part.trim()));
    if (match === null || numbers.length !== 4 || numbers.some((n) => !Number.isFinite(n))) {
      return `"${entry}" is not name:minLng,minLat,maxLng,maxLat (a name of lower-case letters, digits and dashes)`;
    }
    const [minLng, minLat, maxLng, maxLat] = numbers;
    if (minLng >= maxLng || minLat >= maxLat || minLng < -180 || maxLng > 180 || minLat < -90 || maxLat > 90) {
      return `"${entry}" is not a rectangle of longitudes (-180..180) and latitudes (-90..90), the smaller first`;
    }
    if (regions.some((region) => region.name === match[1])) return `"${match[1]}" is named twice`;
    regions.push({ name: match[1], minLng, minLat, maxLng, maxLat });
  }
  return regions.length === 0 ? 'no region is given' : regions;
}

/**
 * A rectangle of latitudes and longitudes around a region and its border: every place a region's matcher
 * keeps lies within it (its readers filter exactly after).
 */
export function regionBounds(region: Region, borderKm: number): { minLat: number; maxLat: number; minLng: number; maxLng: number } {
  const dLat = borderKm / KM_PER_DEGREE;
  const minLat = Math.max(-90, region.minLat - dLat);
  const maxLat = Math.min(90, region.maxLat + dLat);
  // A degree of longitude is shortest at the latitude farthest from the equator.
  const widest = Math.max(Math.abs(minLat), Math.abs(maxLat));
  const dLng = widest >= 89 ? 360 : borderKm / (KM_PER_DEGREE * Math.cos((widest * Math.PI) / 180));
  return { minLat, maxLat, minLng: Math.max(-180, region.minLng - dLng), maxLng: Math.min(180, region.maxLng + dLng) };
}
