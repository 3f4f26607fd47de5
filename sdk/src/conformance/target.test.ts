import { describe, expect, it } from "vitest";
import { splitCommand } from "./target.js";

describe("splitCommand (the CLI's --command)", () => {
  it.each([
    ["node dist/main.js", ["node", "dist/main.js"]],
    ["  node   a.js  --flag ", ["node", "a.js", "--flag"]],
    [`node a.js --config '{"a": 1}'`, ["node", "a.js", "--config", '{"a": 1}']],
    [`./my\\ plugin "two words" ""`, ["./my plugin", "two words", ""]],
  ])("splits %s", (command, argv) => {
    expect(splitCommand(command)).toEqual(argv);
  });

  it("rejects an unterminated quote instead of guessing", () => {
    expect(() => splitCommand(`node "a.js`)).toThrow(/unterminated " quote/);
  });
});
