// Which images a digit key rates in a grid. Pure, so the rule is unit-tested.

/**
 * The selection when it is several images or holds the focused one; else the focused image (a lone
 * image clicked before the arrow keys moved on is not what the person means to rate); else the
 * selection, whatever it is.
 */
export function rateTargets(selected: readonly number[], focused: number | null): number[] {
  if (selected.length > 1 || (focused !== null && selected.includes(focused))) return [...selected];
  return focused !== null ? [focused] : [...selected];
}
