// Run in a fresh Node process by bench/activation.bench.ts (bundled by it into plain JavaScript, so
// that no TypeScript loader sits in the process being measured): installs a stand-in `vscode`
// module, then times what VS Code's extension host does on activation: require() the main bundle
// and call its activate() with an extension context. It prints one JSON line (ActivationSample)
// and exits at once, before the work activation defers (indexing, reattach, the first read of the
// stacks file) has started: only activation is measured. After that it times loading the yaml
// vendor bundle, the first thing that deferred work loads, when the bundle has one.
//
// Usage: node activationHost.js DIST_FOLDER WORKSPACE_FOLDER
import { existsSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import path from 'node:path';

export interface ActivationSample {
  /** require() of DIST_FOLDER/extension.js, in ms. */
  readonly requireMs: number;
  /** activate(context), in ms. */
  readonly activateMs: number;
  /** CPU time (user + system) of both, in ms: less moved than wall time by other processes. */
  readonly cpuMs: number;
  /** The vendor bundles (DIST_FOLDER/vendor/*.js) loaded by the time activate() returned. */
  readonly vendorLoaded: readonly string[];
  /** require() of DIST_FOLDER/vendor/yaml.js after activation, in ms; absent when there is none. */
  readonly yamlVendorMs?: number;
  /** The "activated in" line the extension logged. */
  readonly logged: readonly string[];
}

const [dist, workspace] = process.argv.slice(2) as [string, string];
const logged: string[] = [];

const disposable = { dispose: (): void => undefined };

class Uri {
  private constructor(
    readonly scheme: string,
    readonly fsPath: string,
  ) {}
  get path(): string {
    return this.fsPath;
  }
  static file(fsPath: string): Uri {
    return new Uri('file', path.resolve(fsPath));
  }
  static joinPath(base: Uri, ...parts: string[]): Uri {
    return new Uri(base.scheme, path.join(base.fsPath, ...parts));
  }
  static parse(value: string): Uri {
    return value.startsWith('file://') ? Uri.file(value.slice('file://'.length)) : new Uri('untitled', value);
  }
  with(): Uri {
    return this;
  }
  toString(): string {
    return `${this.scheme}://${this.fsPath}`;
  }
}

class EventEmitter<T> {
  private readonly listeners = new Set<(value: T) => void>();
  readonly event = (listener: (value: T) => void): typeof disposable => {
    this.listeners.add(listener);
    return { dispose: () => void this.listeners.delete(listener) };
  };
  fire(value: T): void {
    for (const listener of this.listeners) listener(value);
  }
  dispose(): void {
    this.listeners.clear();
  }
}

class Disposable {
  constructor(private readonly release: () => void) {}
  static from(...items: { dispose(): unknown }[]): Disposable {
    return new Disposable(() => items.forEach((i) => i.dispose()));
  }
  dispose(): void {
    this.release();
  }
}

/** Plain records for the value classes activation may construct. */
const record = (...names: string[]) =>
  class {
    constructor(...args: unknown[]) {
      names.forEach((name, i) => ((this as Record<string, unknown>)[name] = args[i]));
    }
  };

const outputChannel = (name: string) => {
  const line = (text: string): void => void logged.push(`${name}: ${text}`);
  return {
    name,
    append: line,
    appendLine: line,
    trace: line,
    debug: line,
    info: line,
    warn: line,
    error: line,
    clear: () => undefined,
    show: () => undefined,
    hide: () => undefined,
    dispose: () => undefined,
  };
};

const noEvent = (): typeof disposable => disposable;
const folderUri = Uri.file(workspace);

const vscode = {
  Uri,
  EventEmitter,
  Disposable,
  Position: record('line', 'character'),
  Range: record('start', 'end'),
  Diagnostic: record('range', 'message', 'severity'),
  RelativePattern: record('base', 'pattern'),
  ThemeIcon: Object.assign(record('id', 'color'), { File: {}, Folder: {} }),
  ThemeColor: record('id'),
  MarkdownString: record('value'),
  CodeLens: record('range', 'command'),
  Hover: record('contents', 'range'),
  TreeItem: record('label', 'collapsibleState'),
  TreeItemCollapsibleState: { None: 0, Collapsed: 1, Expanded: 2 },
  DiagnosticSeverity: { Error: 0, Warning: 1, Information: 2, Hint: 3 },
  StatusBarAlignment: { Left: 1, Right: 2 },
  ProgressLocation: { SourceControl: 1, Window: 10, Notification: 15 },
  ViewColumn: { Active: -1, Beside: -2, One: 1 },
  window: {
    createOutputChannel: outputChannel,
    createTreeView: () => ({ ...disposable, onDidChangeVisibility: noEvent, visible: true }),
    registerTreeDataProvider: () => disposable,
    createStatusBarItem: () => ({ ...disposable, show: () => undefined, hide: () => undefined }),
    activeTextEditor: undefined,
  },
  workspace: {
    workspaceFolders: [{ uri: folderUri, name: path.basename(workspace), index: 0 }],
    getConfiguration: () => ({ get: <T>(_key: string, fallback: T): T => fallback }),
    createFileSystemWatcher: () => ({
      ...disposable,
      onDidChange: noEvent,
      onDidCreate: noEvent,
      onDidDelete: noEvent,
    }),
    onDidCloseTextDocument: noEvent,
    onDidChangeConfiguration: noEvent,
    onDidChangeTextDocument: noEvent,
    onDidOpenTextDocument: noEvent,
    textDocuments: [],
  },
  languages: {
    createDiagnosticCollection: () => ({ ...disposable, set: () => undefined, delete: () => undefined }),
    registerCodeLensProvider: () => disposable,
    registerHoverProvider: () => disposable,
  },
  commands: { registerCommand: () => disposable, executeCommand: () => Promise.resolve(undefined) },
  authentication: { onDidChangeSessions: noEvent },
  env: {},
};

type Load = (request: string, parent: unknown, isMain: boolean) => unknown;
const modules = Module as unknown as { _load: Load };
const load = modules._load;
modules._load = function (request, parent, isMain) {
  return request === 'vscode' ? vscode : load.call(this, request, parent, isMain);
};

const context = {
  subscriptions: [] as { dispose(): unknown }[],
  extensionUri: Uri.file(dist),
  extensionPath: dist,
  secrets: { get: () => Promise.resolve(undefined), store: () => Promise.resolve(), delete: () => Promise.resolve() },
  globalState: { get: () => undefined, update: () => Promise.resolve() },
  workspaceState: { get: () => undefined, update: () => Promise.resolve() },
};

const requireFromDist = createRequire(path.join(dist, 'extension.js'));
const vendor = path.join(dist, 'vendor') + path.sep;

const cpuBefore = process.cpuUsage();
const started = performance.now();
const extension = requireFromDist('./extension.js') as { activate(context: unknown): void };
const required = performance.now();
extension.activate(context);
const activated = performance.now();
const cpu = process.cpuUsage(cpuBefore);
const vendorLoaded = Object.keys(requireFromDist.cache)
  .filter((file) => file.startsWith(vendor))
  .map((file) => path.basename(file, '.js'))
  .sort();

let yamlVendorMs: number | undefined;
const yamlVendor = path.join(vendor, 'yaml.js');
if (existsSync(yamlVendor) && !vendorLoaded.includes('yaml')) {
  const before = performance.now();
  requireFromDist(yamlVendor);
  yamlVendorMs = performance.now() - before;
}

const sample: ActivationSample = {
  requireMs: required - started,
  activateMs: activated - required,
  cpuMs: (cpu.user + cpu.system) / 1000,
  vendorLoaded,
  ...(yamlVendorMs !== undefined ? { yamlVendorMs } : {}),
  logged: logged.filter((l) => / activated in /.test(l)),
};
process.stdout.write(`${JSON.stringify(sample)}\n`);
// Now, before activation's deferred work (a timer and the first stacks read) runs.
process.exit(0);
