import { KM_PER_DEGREE } from '@huigong/domain';

/** Cells of 0.02 degrees: about 2.2 km north-south, 1.9 km east-west at Shanghai's latitude. */
export const CELL_DEGREES = 0.02;
const COLUMNS = Math.ceil(360 / CELL_DEGREES) + 1;

/**
 * A lower bound of the great-circle distance from a point to any point of a cell: the flat distance to
 * the cell's nearest edge, with longitude degrees shortened to those nearest the pole, less a margin.
 */
export function nearestKmToCell(key: number, lat: number, lng: number): number {
  const row = Math.floor(key / COLUMNS);
  const column = key - row * COLUMNS;
  const south = row * CELL_DEGREES - 90;
  const west = column * CELL_DEGREES - 180;
  const dLat = lat < south ? south - lat : lat > south + CELL_DEGREES ? lat - south - CELL_DEGREES : 0;
  const dLng = lng < west ? west - lng : lng > west + CELL_DEGREES ? lng - west - CELL_DEGREES : 0;
  const poleward = Math.min(89.9, Math.max(Math.abs(lat), Math.abs(south), Math.abs(south + CELL_DEGREES)));
  const dy = dLat * KM_PER_DEGREE;
  const dx = dLng * KM_PER_DEGREE * Math.cos((poleward * Math.PI) / 180);
  return Math.max(0, Math.sqrt(dx * dx + dy * dy) / 1.01 - 0.01);
}

export function cellKey(lat: number, lng: number): number {
  const row = Math.floor((lat + 90) / CELL_DEGREES);
  const column = Math.floor((lng + 180) / CELL_DEGREES);
  return row * COLUMNS + column;
}

/**
 * The keys of every cell that may hold a point within `radiusKm` of the centre, or undefined when the box
 * would cross a pole or the antimeridian (the caller then scans every cell). A small margin keeps points on
 * a cell's edge from being missed by rounding.
 */
export function cellsWithin(lat: number, lng: number, radiusKm: number): number[] | undefined {
  if (!Number.isFinite(radiusKm)) return undefined;
  const dLat = radiusKm / KM_PER_DEGREE + CELL_DEGREES / 10;
  const cosLat = Math.cos(((Math.abs(lat) + dLat) * Math.PI) / 180);
  if (lat - dLat <= -90 || lat + dLat >= 90 || cosLat <= 0.01) return undefined;
  const dLng = radiusKm / (KM_PER_DEGREE * cosLat) + CELL_DEGREES / 10;
  if (lng - dLng <= -180 || lng + dLng >= 180) return undefined;
  const rowFrom = Math.floor((lat - dLat + 90) / CELL_DEGREES);
  const rowTo = Math.floor((lat + dLat + 90) / CELL_DEGREES);
  const columnFrom = Math.floor((lng - dLng + 180) / CELL_DEGREES);
  const columnTo = Math.floor((lng + dLng + 180) / CELL_DEGREES);
  const keys: number[] = [];
  for (let row = rowFrom; row <= rowTo; row++) {
    for (let column = columnFrom; column <= columnTo; column++) keys.push(row * COLUMNS + column);
  }
  return keys;
}
