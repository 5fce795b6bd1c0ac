/** A WGS84 position. */
export interface GeoPoint {
  lat: number;
  lng: number;
}

const EARTH_RADIUS_KM = 6371.0088;
const RADIANS = Math.PI / 180;

/** Great-circle distance in kilometres (haversine). */
export function distanceKm(a: GeoPoint, b: GeoPoint): number {
  return distanceKmBetween(a.lat, a.lng, b.lat, b.lng);
}

/** The same distance from plain numbers, for loops that must not allocate. */
export function distanceKmBetween(latA: number, lngA: number, latB: number, lngB: number): number {
  const dLat = (latB - latA) * RADIANS;
  const dLng = (lngB - lngA) * RADIANS;
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(latA * RADIANS) * Math.cos(latB * RADIANS) * Math.sin(dLng / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

/** Kilometres per degree of latitude (and of longitude at the equator). */
export const KM_PER_DEGREE = (Math.PI / 180) * EARTH_RADIUS_KM;
