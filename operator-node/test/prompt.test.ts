import { PassThrough } from "node:stream";
import { describe, expect, it } from "vitest";
import { PromptCancelledError, readHidden } from "../src/cli/prompt.js";

function terminal() {
  const input = new PassThrough() as PassThrough & { isTTY: boolean; setRawMode: (raw: boolean) => void };
  const modes: boolean[] = [];
  input.isTTY = true;
  input.setRawMode = (raw) => void modes.push(raw);
  let shown = "";
  const output = new PassThrough();
  output.on("data", (d) => {
    shown += String(d);
  });
  return { input, output, modes, shown: () => shown };
}

describe("readHidden", () => {
  it("reads a line in raw mode, honours backspace, shows nothing typed and restores the terminal", async () => {
    const t = terminal();
    const answer = readHidden(t.input, t.output, "password: ");
    t.input.write("correct horsf\u007fe\r");
    expect(await answer).toBe("correct horse");
    expect(t.modes).toEqual([true, false]);
    expect(t.shown()).toBe("password: \n");
  });

  it("Ctrl-C cancels with a typed error and restores the terminal", async () => {
    const t = terminal();
    const answer = readHidden(t.input, t.output, "password: ");
    t.input.write("half\u0003");
    await expect(answer).rejects.toBeInstanceOf(PromptCancelledError);
    expect(t.modes).toEqual([true, false]);
  });
});
