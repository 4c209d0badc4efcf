import { describe, expect, it } from 'vitest';
import { isolatedPoints } from './chart-points.js';

describe('isolatedPoints', () => {
  it('marks a value with no value on either side, at the ends too', () => {
    expect(isolatedPoints([null, null, 4.2])).toEqual([2]);
    expect(isolatedPoints([7, null, null])).toEqual([0]);
    expect(isolatedPoints([5])).toEqual([0]);
    expect(isolatedPoints([null, 3, null, 2, 1, null, 0])).toEqual([1, 6]);
  });

  it('leaves values on a line (or none) without dots; zero is a value', () => {
    expect(isolatedPoints([1, 2, null, 0, 0])).toEqual([]);
    expect(isolatedPoints([null, 0, null])).toEqual([1]);
    expect(isolatedPoints([])).toEqual([]);
    expect(isolatedPoints([null, undefined, null])).toEqual([]);
  });
});
