import { InvalidArgumentError, Option } from 'commander';

export function integer(value: string): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`"${value}" is not an integer`);
  return Number(value);
}

export function decimal(value: string): number {
  const n = Number(value);
  if (value.trim() === '' || !Number.isFinite(n)) throw new InvalidArgumentError(`"${value}" is not a number`);
  return n;
}

export function widths(value: string): number[] {
  const parts = value.split(',');
  if (parts.some((p) => !/^\d+$/.test(p.trim()))) {
    throw new InvalidArgumentError(`"${value}" is not a comma-separated list of layer widths, e.g. 500,500`);
  }
  return parts.map(Number);
}

export function choice(flags: string, description: string, choices: readonly string[]): Option {
  return new Option(flags, description).choices(choices);
}
