// The unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from 31 (no I, O, S,
// V, Z), the first 8 digits (department, kind, region), the last a check character over the first 17.
// Checked as the user types, by the same rules as the orders service, which checks again (422).
const CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY";
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

export type CreditCodeProblem = "length" | "characters" | "check" | null;

export function creditCodeProblem(raw: string): CreditCodeProblem {
  const code = raw.replace(/[\s-]/g, "").toUpperCase();
  if ([...code].some((ch, i) => !CHARSET.includes(ch) || (i < 8 && !/[0-9]/.test(ch)))) return "characters";
  if (code.length !== 18) return "length";
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARSET.indexOf(code[i] ?? "") * (WEIGHTS[i] ?? 0);
  const expected = CHARSET[(31 - (sum % 31)) % 31];
  return code[17] === expected ? null : "check";
}
