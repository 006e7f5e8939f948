/**
 * A small LSP client for protocol tests: spawns the bundled server over stdio and speaks
 * vscode-languageserver-protocol to it (like typescript-language-server's test client).
 */
import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { SERVER_ENV, SERVER_EXEC_ARGV } from '../../../client/src/launch';
import {
  CodeActionRequest,
  ConfigurationRequest,
  DidChangeConfigurationNotification,
  DidChangeTextDocumentNotification,
  DidCloseTextDocumentNotification,
  DidOpenTextDocumentNotification,
  ExitNotification,
  HoverRequest,
  InitializeRequest,
  InlayHintRefreshRequest,
  InlayHintRequest,
  InitializedNotification,
  PublishDiagnosticsNotification,
  RegistrationRequest,
  ShutdownRequest,
  StreamMessageReader,
  StreamMessageWriter,
  createProtocolConnection,
  type CodeAction,
  type Command,
  type Diagnostic,
  type Hover,
  type InitializeResult,
  type InlayHint,
  type Position,
  type ProtocolConnection,
  type PublishDiagnosticsParams,
  type Range,
} from 'vscode-languageserver-protocol/node';

export const REPO = path.resolve(__dirname, '../../..');
/** The bundle under test (KCOV_REVIEW_SERVER overrides, e.g. to test another build). */
export const SERVER = process.env.KCOV_REVIEW_SERVER ?? path.join(REPO, 'dist', 'server.js');
export const SEEDS = process.env.KCOV_REVIEW_SEEDS ?? path.resolve(REPO, '../shared/seeds');
export const KERNEL_DIR = process.env.KCOV_REVIEW_KERNEL_DIR ?? path.join(REPO, '.cache', 'linux-6.12');

/** Fails with a clear message when the bundle the protocol tests run against is missing. */
export function requireBuild(): void {
  if (!existsSync(SERVER)) {
    throw new Error(`${SERVER} is missing: run \`npm run build\` (the npm pretest script does) before the protocol and e2e tests`);
  }
}

export interface ClientOptions {
  settings?: Record<string, unknown>;
  initializationOptions?: Record<string, unknown>;
  env?: NodeJS.ProcessEnv;
}

export interface Status {
  uri: string;
  tree: string | null;
  treeSource: string | null;
  configs: string[];
}

export class TestClient {
  readonly published: PublishDiagnosticsParams[] = [];
  readonly statuses: Status[] = [];
  readonly logs: string[] = [];
  /** workspace/inlayHint/refresh requests received from the server. */
  inlayHintRefreshes = 0;
  settings: Record<string, unknown>;
  private readonly waiters: (() => void)[] = [];

  private constructor(
    private readonly process: ChildProcessWithoutNullStreams,
    readonly connection: ProtocolConnection,
    settings: Record<string, unknown>,
  ) {
    this.settings = settings;
  }

  static async start(options: ClientOptions = {}): Promise<TestClient> {
    requireBuild();
    // As the VS Code client starts it (client/src/extension.ts).
    const child = spawn(process.execPath, [...SERVER_EXEC_ARGV, SERVER, '--stdio'], { env: { ...process.env, ...SERVER_ENV, ...options.env }, stdio: 'pipe' });
    const connection = createProtocolConnection(new StreamMessageReader(child.stdout), new StreamMessageWriter(child.stdin));
    const client = new TestClient(child, connection, options.settings ?? {});
    child.stderr.on('data', (chunk: Buffer) => {
      client.logs.push(chunk.toString());
    });
    connection.onNotification(PublishDiagnosticsNotification.type, (params) => client.record(() => client.published.push(params)));
    connection.onNotification('kcovReview/status', (params: Status) => client.record(() => client.statuses.push(params)));
    connection.onNotification('window/logMessage', (params: { message: string }) => {
      client.logs.push(`${params.message}\n`);
    });
    connection.onRequest(ConfigurationRequest.type, (params) => params.items.map((item) => (item.section === 'kcovReview' ? client.settings : null)));
    connection.onRequest(RegistrationRequest.type, () => undefined);
    connection.onRequest(InlayHintRefreshRequest.type, () => client.record(() => client.inlayHintRefreshes++));
    connection.listen();
    const result: InitializeResult = await connection.sendRequest(InitializeRequest.type, {
      processId: process.pid,
      rootUri: null,
      workspaceFolders: null,
      initializationOptions: options.initializationOptions,
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, inlayHint: { refreshSupport: true } },
        textDocument: {
          publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
          hover: { contentFormat: ['markdown', 'plaintext'] },
          codeAction: { codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } }, isPreferredSupport: true },
          synchronization: { didSave: false },
          inlayHint: {},
        },
      },
    });
    client.capabilities = result.capabilities;
    await connection.sendNotification(InitializedNotification.type, {});
    return client;
  }

  capabilities: InitializeResult['capabilities'] = {};

  private record(action: () => void): void {
    action();
    for (const wake of this.waiters.splice(0)) wake();
  }

  /** Resolves when `found` returns a value for what has been received, or rejects after the timeout. */
  private waitFor<T>(found: () => T | undefined, what: string, timeoutMs: number): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}; server log:\n${this.logs.join('')}`)), timeoutMs);
      const check = (): void => {
        const value = found();
        if (value !== undefined) {
          clearTimeout(timer);
          resolve(value);
        } else {
          this.waiters.push(check);
        }
      };
      check();
    });
  }

  /** The diagnostics of the first publication for uri (at `version`, if given) received after `after` publications. */
  diagnostics(uri: string, options: { version?: number; after?: number; timeoutMs?: number } = {}): Promise<Diagnostic[]> {
    const after = options.after ?? 0;
    return this.waitFor(
      () => this.published.slice(after).find((p) => p.uri === uri && (options.version === undefined || p.version === options.version))?.diagnostics,
      `diagnostics for ${uri}${options.version !== undefined ? ` v${options.version}` : ''}`,
      options.timeoutMs ?? 30_000,
    );
  }

  /** The first status for uri (received after `after` statuses) that satisfies `accept`. */
  status(uri: string, options: { after?: number; accept?: (s: Status) => boolean; timeoutMs?: number } = {}): Promise<Status> {
    const accept = options.accept ?? (() => true);
    return this.waitFor(
      () => this.statuses.slice(options.after ?? 0).find((s) => s.uri === uri && accept(s)),
      `status for ${uri}`,
      options.timeoutMs ?? 30_000,
    );
  }

  /** Resolves once more than `after` workspace/inlayHint/refresh requests have arrived. */
  inlayHintRefresh(after: number, timeoutMs = 30_000): Promise<number> {
    return this.waitFor(() => (this.inlayHintRefreshes > after ? this.inlayHintRefreshes : undefined), 'workspace/inlayHint/refresh', timeoutMs);
  }

  async inlayHints(uri: string, range: Range): Promise<InlayHint[]> {
    return (await this.connection.sendRequest(InlayHintRequest.type, { textDocument: { uri }, range })) ?? [];
  }

  /** The server's resident and peak memory (VmRSS, VmHWM from /proc), in KiB. */
  memory(): { rssKB: number; hwmKB: number } {
    const status = readFileSync(`/proc/${this.process.pid}/status`, 'utf8');
    const kb = (field: string): number => Number(new RegExp(`^${field}:\\s*(\\d+)`, 'm').exec(status)?.[1] ?? NaN);
    return { rssKB: kb('VmRSS'), hwmKB: kb('VmHWM') };
  }

  async close(uri: string): Promise<void> {
    await this.connection.sendNotification(DidCloseTextDocumentNotification.type, { textDocument: { uri } });
  }

  async open(uri: string, languageId: string, text: string, version = 1): Promise<void> {
    await this.connection.sendNotification(DidOpenTextDocumentNotification.type, { textDocument: { uri, languageId, version, text } });
  }

  /** Sends a full-text change (allowed under incremental sync). */
  async replace(uri: string, version: number, text: string): Promise<void> {
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ text }] });
  }

  async edit(uri: string, version: number, range: Range, text: string): Promise<void> {
    await this.connection.sendNotification(DidChangeTextDocumentNotification.type, { textDocument: { uri, version }, contentChanges: [{ range, text }] });
  }

  async changeSettings(settings: Record<string, unknown>): Promise<void> {
    this.settings = settings;
    await this.connection.sendNotification(DidChangeConfigurationNotification.type, { settings: { kcovReview: settings } });
  }

  hover(uri: string, position: Position): Promise<Hover | null> {
    return this.connection.sendRequest(HoverRequest.type, { textDocument: { uri }, position });
  }

  async codeActions(uri: string, range: Range, diagnostics: Diagnostic[] = []): Promise<CodeAction[]> {
    const result = await this.connection.sendRequest(CodeActionRequest.type, { textDocument: { uri }, range, context: { diagnostics } });
    return (result ?? []).filter((a: Command | CodeAction): a is CodeAction => 'kind' in a || 'edit' in a);
  }

  async stop(): Promise<void> {
    try {
      await Promise.race([this.connection.sendRequest(ShutdownRequest.type), new Promise((r) => setTimeout(r, 2000))]);
      await this.connection.sendNotification(ExitNotification.type);
    } catch {
      // The server may already be gone.
    }
    this.connection.dispose();
    await new Promise<void>((resolve) => {
      if (this.process.exitCode !== null || this.process.signalCode !== null) return resolve();
      const timer = setTimeout(() => this.process.kill('SIGKILL'), 2000);
      this.process.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

/** Applies LSP text edits (non-overlapping) to a text. */
export function applyEdits(text: string, edits: { range: Range; newText: string }[]): string {
  const lineStarts = [0];
  for (let i = 0; i < text.length; i++) if (text[i] === '\n') lineStarts.push(i + 1);
  const offset = (p: Position): number => Math.min((lineStarts[p.line] ?? text.length) + p.character, text.length);
  const sorted = [...edits].sort((a, b) => offset(b.range.start) - offset(a.range.start));
  let out = text;
  for (const e of sorted) out = out.slice(0, offset(e.range.start)) + e.newText + out.slice(offset(e.range.end));
  return out;
}
