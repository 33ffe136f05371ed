/** One benchmark measurement; `ratio` is value / ceiling (0..1) where a ceiling applies. */
export interface Row {
  name: string;
  value: number;
  unit: string;
  ratio?: number;
  ceiling?: string;
  note?: string;
}
