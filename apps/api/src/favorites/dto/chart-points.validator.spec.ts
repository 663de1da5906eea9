import { chartPointsProblem, MAX_CHART_POINTS } from './chart-points.validator';

describe(chartPointsProblem.name, () => {
  it('accepts an empty series', () => {
    expect(chartPointsProblem([])).toBeUndefined();
  });

  it('accepts string and number x values in one series', () => {
    const points = [
      { x: '2026-W47', y: 1234 },
      { x: 3, y: -0.5 },
      { x: 'x'.repeat(200), y: 0 },
    ];

    expect(chartPointsProblem(points)).toBeUndefined();
  });

  it(`accepts exactly ${MAX_CHART_POINTS} points and refuses one more`, () => {
    const points = Array.from({ length: MAX_CHART_POINTS }, (_, i) => ({ x: i, y: i }));
    expect(chartPointsProblem(points)).toBeUndefined();

    points.push({ x: MAX_CHART_POINTS, y: 0 });
    expect(chartPointsProblem(points)).toBe('data must contain no more than 10000 points');
  });

  it.each([
    ['an object', { x: 1, y: 2 }],
    ['a string', '[{"x":1,"y":2}]'],
    ['null', null],
  ])('refuses %s in place of the array', (_case, data) => {
    expect(chartPointsProblem(data)).toBe('data must be an array of {x, y} points');
  });

  it.each([
    ['null', null],
    ['a number', 5],
    ['an array', [1, 2]],
  ])('refuses %s as a point', (_case, point) => {
    expect(chartPointsProblem([{ x: 0, y: 0 }, point])).toBe('data[1] must be an object {x, y}');
  });

  it.each([
    ['an extra key', { x: 1, y: 2, z: 3 }],
    ['a missing y', { x: 1 }],
    ['y under another name', { x: 1, Y: 2 }],
  ])('refuses a point with %s', (_case, point) => {
    expect(chartPointsProblem([{ x: 0, y: 0 }, { x: 1, y: 1 }, point])).toBe(
      'data[2] must have exactly the properties x and y',
    );
  });

  it.each([
    ['an empty string', ''],
    ['a 201-character string', 'x'.repeat(201)],
    ['Infinity', Infinity],
    ['NaN', NaN],
    ['a boolean', true],
    ['null', null],
  ])('refuses %s as x', (_case, x) => {
    expect(chartPointsProblem([{ x, y: 1 }])).toBe(
      'data[0].x must be a number or a string of 1 to 200 characters',
    );
  });

  it.each([
    ['Infinity', Infinity],
    ['-Infinity', -Infinity],
    ['NaN', NaN],
    ['a numeric string', '12'],
    ['null', null],
  ])('refuses %s as y', (_case, y) => {
    expect(chartPointsProblem([{ x: 'a', y }])).toBe('data[0].y must be a number');
  });
});
