import { expect, test } from "@playwright/test";
import { creditCodeProblem } from "../src/creditCode";

// the check the registration form runs as the user types (no browser needed)
test("credit codes: valid ones pass, a wrong check character, length or letter is named", () => {
  for (const code of ["91350100M000100Y43", "91110000600037341L", "911100001000080343", "91350100m000100y43"]) {
    expect(creditCodeProblem(code), code).toBeNull();
  }
  expect(creditCodeProblem("91350100M000100Y44")).toBe("check");
  expect(creditCodeProblem("91350100M000100Y4")).toBe("length");
  expect(creditCodeProblem("91350100M000100O43")).toBe("characters");
  expect(creditCodeProblem("9135010AM000100Y43")).toBe("characters"); // the first 8 are digits
});
