export type Float32Map = ReadonlyMap<string, Float32Array>;
