// Just enough of the `vscode` module for the extension's RunLogChannels to run outside VS Code:
// output channels that keep what they are given (as the Output panel's model does) and tell the
// benchmark about every append, and a configuration that answers `stepops.logs.maxLines`. Import
// this before anything that imports `vscode`; the real module exists only inside VS Code, so every
// figure taken with it stops at the channel's `append` (VS Code's own IPC to the panel is not
// measured).
import Module from 'node:module';

export interface StubChannel {
  readonly name: string;
  /** The text the channel holds now (cleared by clear()). */
  readonly held: string[];
  /** How many lines it held at most. */
  maxHeldLines: number;
  appends: number;
}

export const stub = {
  channels: [] as StubChannel[],
  maxLines: 10_000,
  /** Called with every append's text, when it is appended. */
  onAppend: (_text: string): void => undefined,
};

function countLines(parts: readonly string[]): number {
  let n = 0;
  for (const part of parts) for (let i = part.indexOf('\n'); i !== -1; i = part.indexOf('\n', i + 1)) n++;
  return n;
}

const vscode = {
  window: {
    createOutputChannel(name: string) {
      const channel: StubChannel = { name, held: [], maxHeldLines: 0, appends: 0 };
      stub.channels.push(channel);
      let heldLines = 0;
      const add = (text: string) => {
        channel.held.push(text);
        channel.appends++;
        heldLines += countLines([text]);
        channel.maxHeldLines = Math.max(channel.maxHeldLines, heldLines);
        stub.onAppend(text);
      };
      return {
        name,
        append: add,
        appendLine: (text: string) => add(`${text}\n`),
        clear: () => {
          channel.held.length = 0;
          heldLines = 0;
        },
        show: () => undefined,
        hide: () => undefined,
        dispose: () => undefined,
      };
    },
  },
  workspace: {
    getConfiguration: () => ({
      get: <T>(key: string, fallback: T): T => (key === 'logs.maxLines' ? (stub.maxLines as T) : fallback),
    }),
  },
};

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const modules = Module as unknown as { _load: Load };
const load = modules._load;
modules._load = function (request, parent, isMain) {
  return request === 'vscode' ? vscode : load.call(this, request, parent, isMain);
};
