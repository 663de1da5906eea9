import { registerDecorator, ValidationOptions } from 'class-validator';

import { codePointLength } from '@app/http';

export const MAX_CHART_POINTS = 10_000;
const MAX_LABEL_LENGTH = 200;

/** Why `points` is not a valid chart data series, or undefined when it is. */
export function chartPointsProblem(points: unknown): string | undefined {
  if (!Array.isArray(points)) return 'data must be an array of {x, y} points';
  if (points.length > MAX_CHART_POINTS) {
    return `data must contain no more than ${MAX_CHART_POINTS} points`;
  }
  for (let i = 0; i < points.length; i++) {
    const point: unknown = points[i];
    if (point === null || typeof point !== 'object' || Array.isArray(point)) {
      return `data[${i}] must be an object {x, y}`;
    }
    const keys = Object.keys(point);
    if (keys.length !== 2 || !('x' in point) || !('y' in point)) {
      return `data[${i}] must have exactly the properties x and y`;
    }
    const { x, y } = point;
    const xOk =
      (typeof x === 'number' && Number.isFinite(x)) ||
      (typeof x === 'string' && x.length > 0 && codePointLength(x) <= MAX_LABEL_LENGTH);
    if (!xOk)
      return `data[${i}].x must be a number or a string of 1 to ${MAX_LABEL_LENGTH} characters`;
    if (typeof y !== 'number' || !Number.isFinite(y)) return `data[${i}].y must be a number`;
  }
  return undefined;
}

/**
 * One pass over up to 10,000 points, instead of class-transformer building 10,000 nested
 * instances for class-validator to walk.
 */
export function IsChartPoints(options?: ValidationOptions): PropertyDecorator {
  return (target, propertyName) =>
    registerDecorator({
      name: 'isChartPoints',
      target: target.constructor,
      propertyName: propertyName as string,
      options,
      validator: {
        validate: (value: unknown) => chartPointsProblem(value) === undefined,
        defaultMessage: (args) => chartPointsProblem(args?.value) ?? 'data is invalid',
      },
    });
}
