import { parseRegions, regionOwning, regionsHolding } from './region';

const regions = parseRegions('west:121.30,31.10,121.55,31.45;east:121.55,31.10,121.80,31.45');

describe('regions of the matchers', () => {
  if (typeof regions === 'string') throw new Error(regions);

  it('gives every place one owner: the region containing it (the first on a shared edge), else the nearest', () => {
    expect(regionOwning(regions, { lat: 31.25, lng: 121.4 }).name).toBe('west');
    expect(regionOwning(regions, { lat: 31.25, lng: 121.7 }).name).toBe('east');
    expect(regionOwning(regions, { lat: 31.25, lng: 121.55 }).name).toBe('west');
    expect(regionOwning(regions, { lat: 31.25, lng: 122.5 }).name).toBe('east');
    expect(regionOwning(regions, { lat: 30.0, lng: 121.0 }).name).toBe('west');
  });

  it('keeps copies of a place in every region within the border of it, and always in its owner', () => {
    // 0.05 degrees of longitude east of the split is about 4.8 km at this latitude.
    const byTheSplit = { lat: 31.25, lng: 121.6 };
    expect(regionsHolding(regions, byTheSplit, 5).map((region) => region.name)).toEqual(['west', 'east']);
    expect(regionsHolding(regions, byTheSplit, 4).map((region) => region.name)).toEqual(['east']);
    expect(regionsHolding(regions, { lat: 31.25, lng: 123 }, 1).map((region) => region.name)).toEqual(['east']);
  });

  it('names what is wrong with a list', () => {
    expect(parseRegions('')).toBe('no region is given');
    expect(parseRegions('West:1,1,2,2')).toMatch(/is not name:minLng/);
    expect(parseRegions('a:1,1,2')).toMatch(/is not name:minLng/);
    expect(parseRegions('a:1,1,200,2')).toMatch(/not a rectangle/);
  });
});
