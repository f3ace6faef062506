// The capped doubling wait of the policy's backoffs (failed pulls, crash loops).

/** 0 after no failure; firstSeconds after one, doubling up to maxSeconds. */
export function doublingSeconds(failures: number, firstSeconds: number, maxSeconds: number): number {
  if (failures <= 0) return 0;
  return Math.min(maxSeconds, firstSeconds * 2 ** Math.min(failures - 1, 30));
}
