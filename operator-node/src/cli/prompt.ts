/**
 * Reads a password from the terminal without echoing it. In raw mode the terminal shows nothing while we collect
 * the characters ourselves; on a non-terminal stream (tests, pipes) the line is read as it comes.
 */
export class PromptCancelledError extends Error {
  override readonly name = "PromptCancelledError";
  constructor() {
    super("cancelled at the password prompt");
  }
}

export function readHidden(
  input: NodeJS.ReadableStream & { isTTY?: boolean; setRawMode?: (raw: boolean) => unknown },
  output: NodeJS.WritableStream,
  question: string,
): Promise<string> {
  output.write(question);
  const raw = Boolean(input.isTTY && input.setRawMode);
  if (raw) input.setRawMode!(true);
  input.setEncoding("utf8");
  input.resume();
  return new Promise((resolve, reject) => {
    let value = "";
    const finish = () => {
      input.off("data", onData);
      if (raw) input.setRawMode!(false);
      input.pause();
      output.write("\n");
    };
    const onData = (chunk: string | Buffer) => {
      for (const ch of String(chunk)) {
        if (ch === "\r" || ch === "\n") {
          finish();
          resolve(value);
          return;
        }
        if (ch === "\u0003" || ch === "\u0004") {
          finish();
          reject(new PromptCancelledError());
          return;
        }
        value = ch === "\u007f" || ch === "\b" ? value.slice(0, -1) : value + ch;
      }
    };
    input.on("data", onData);
  });
}
