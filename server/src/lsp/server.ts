/**
 * The language server: wiring only. Documents, settings and a cancelling scheduler on one side, the
 * pure feature functions (diagnostics, hover, codeActions) over the cached Review on the other.
 */
import { analysisStarts, cancelPendingScavenge, collectAfterLargeDocument, scavengeAfterReview } from './heap';
import {
  CodeActionKind,
  DidChangeConfigurationNotification,
  ErrorCodes,
  ResponseError,
  ProposedFeatures,
  TextDocumentSyncKind,
  TextDocuments,
  createConnection,
  type CodeAction,
  type CodeLens,
  type DocumentSymbol,
  type FoldingRange,
  type Location,
  type Connection,
  type Hover,
  type InlayHint,
  type InitializeParams,
  type InitializeResult,
} from 'vscode-languageserver/node';
import { TextDocument } from 'vscode-languageserver-textdocument';
import type { Review } from '../review/types';
import { EXPORT_LITMUS_KIND, codeActions } from './codeActions';
import { codeLenses } from './codeLens';
import { foldingRanges } from './folding';
import { documentSymbols } from './symbols';
import { definition, parsePostImageUri, postImageText } from './definition';
import { draftReply } from '../review/reply';
import { inlayHints } from './inlayHints';
import { modelState } from './modelState';
import { postImageDiagnostics } from './postImageDiagnostics';

export const POST_IMAGE_REQUEST = 'kcovReview/postImage';
/** The client closed a post-image document: its diagnostics are withdrawn. */
export const POST_IMAGE_CLOSED = 'kcovReview/postImageClosed';
export const REPLY_REQUEST = 'kcovReview/reply';
/** "Show model state at cursor": markdown of the model's state before the position's line. */
export const MODEL_STATE_REQUEST = 'kcovReview/modelState';
import { loadParser, modelAt, primitiveDoc, repair, reviewDocument } from './core';
import { analysisFailedDiagnostic, reviewDiagnostics } from './diagnostics';
import { isKcovSource, isPatchDocument } from './documents';
import { hover } from './hover';
import { AnalysisScheduler, type CancelToken, type Outcome } from './scheduler';
import {
  DEFAULT_SETTINGS,
  SETTINGS_SECTION,
  defaultTreeDirs,
  hasSettings,
  parseSettings,
  reviewOptions,
  type Settings,
} from './settings';
import { STATUS_NOTIFICATION, statusOf } from './status';
import { reviewInIdleTime, warmUpTexts } from './warmUp';

/** No debounce: a change is analysed at the next turn of the event loop (changes read together run
 *  once), and a newer version cancels the run of an older one at its next stage boundary. */
const DEBOUNCE_MS = 0;

const connection: Connection = createConnection(ProposedFeatures.all);
const documents = new TextDocuments(TextDocument);
const treeDirs = defaultTreeDirs(__dirname);

let pullConfiguration = false;
let registerConfigurationChanges = false;
let inlayHintRefresh = false;
let baseSettings: Settings = DEFAULT_SETTINGS;
let settings: Promise<Settings> | null = null;

function currentSettings(): Promise<Settings> {
  if (settings) return settings;
  if (!pullConfiguration) return (settings = Promise.resolve(baseSettings));
  settings = connection.workspace
    .getConfiguration({ section: SETTINGS_SECTION })
    .then((raw: unknown) => parseSettings(raw, baseSettings))
    .catch(() => baseSettings);
  return settings;
}

async function analyze(uri: string, _version: number, text: string, cancel: CancelToken): Promise<Review> {
  lastSettings = await currentSettings();
  const options = reviewOptions(uri, lastSettings, treeDirs);
  await loadParser(__dirname);
  analysisStarts();
  return reviewDocument(text, { ...options, cancel });
}

/** What the reviewer asked to see: pre-existing findings can be hidden (kcovReview.showPreExisting). */
function shown(review: Review, show: Settings): Review {
  return show.showPreExisting ? review : { ...review, findings: review.findings.filter((f) => f.verdict !== 'pre-existing') };
}

let lastSettings: Settings = DEFAULT_SETTINGS;

/** Post-image documents the client opened, per patch URI, under the exact URI it asked for. */
const postImages = new Map<string, Set<string>>();

function publishPostImages(patchUri: string, review: Review | null, only?: string): void {
  for (const uri of postImages.get(patchUri) ?? []) {
    if (only !== undefined && uri !== only) continue;
    const target = parsePostImageUri(uri);
    const diagnostics = review && target ? postImageDiagnostics(shown(review, lastSettings), target.path, uri) : [];
    void connection.sendDiagnostics({ uri, diagnostics });
  }
}

function publish(uri: string, version: number, text: string, outcome: Outcome<Review>): void {
  if (outcome.ok) {
    void connection.sendDiagnostics({ uri, version, diagnostics: reviewDiagnostics(shown(outcome.value, lastSettings), text, uri) });
    publishPostImages(uri, outcome.value);
    void connection.sendNotification(STATUS_NOTIFICATION, statusOf(uri, outcome.value));
    warmUpAfter(uri);
    scavengeAfterReview();
    return;
  }
  const error = outcome.error;
  connection.console.error(`kcov-review: analysis of ${uri} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  void connection.sendDiagnostics({ uri, version, diagnostics: [analysisFailedDiagnostic(error)] });
}

/** The warm-up of the edit path (lsp/warmUp.ts): once per process, begun again after the next
 *  review when a change stopped it. */
let warmUp: 'to do' | 'running' | 'done' = 'to do';

/** Starts the warm-up on a document whose current version's review has just been published. */
function warmUpAfter(uri: string): void {
  const document = documents.get(uri);
  const last = scheduler.cached(uri);
  if (warmUp !== 'to do' || !document || !last?.outcome.ok || last.version !== document.version) return;
  warmUp = 'running';
  void warmUpOn(uri, document.version, document.getText(), last.outcome.value).then((done) => {
    warmUp = done ? 'done' : 'to do';
    if (!done) warmUpAfter(uri); // the change that stopped it may already have been reviewed
  });
}

/** The warm-up on a document just reviewed (lsp/warmUp.ts): its near copies, then itself, reviewed
 *  as the document's own review (its settings), until the document changes. True when it ran to its end. */
async function warmUpOn(uri: string, version: number, text: string, review: Review): Promise<boolean> {
  const changed: CancelToken = { get cancelled() { return documents.get(uri)?.version !== version; } };
  const copies = warmUpTexts(text, review);
  const start = performance.now();
  const done = await reviewInIdleTime([...copies, text], (copy) => analyze(uri, version, copy, changed), changed);
  if (done && copies.length > 0) connection.console.log(`kcov-review: warmed up on ${copies.length} near copies of ${uri} in ${Math.round(performance.now() - start)} ms`);
  return done;
}

const scheduler = new AnalysisScheduler<Review>({ delayMs: DEBOUNCE_MS, analyze, onResult: publish });

function track(document: TextDocument): void {
  if (isPatchDocument(document.uri, document.languageId, document.getText())) {
    scheduler.schedule(document.uri, document.version, document.getText());
  } else if (scheduler.has(document.uri)) {
    scheduler.forget(document.uri);
    void connection.sendDiagnostics({ uri: document.uri, diagnostics: [] });
  }
}

function reanalyzeAll(): void {
  settings = null;
  for (const document of documents.all()) track(document);
}

async function reviewOf(uri: string): Promise<{ review: Review; text: string } | null> {
  const document = documents.get(uri);
  if (!document) return null;
  const outcome = await scheduler.get(uri, document.version);
  return outcome?.ok ? { review: outcome.value, text: document.getText() } : null;
}

connection.onInitialize((params: InitializeParams): InitializeResult => {
  const workspace = params.capabilities.workspace;
  pullConfiguration = workspace?.configuration === true;
  registerConfigurationChanges = workspace?.didChangeConfiguration?.dynamicRegistration === true;
  baseSettings = parseSettings(params.initializationOptions, DEFAULT_SETTINGS);
  inlayHintRefresh = workspace?.inlayHint?.refreshSupport === true;
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      hoverProvider: true,
      codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix, EXPORT_LITMUS_KIND] },
      documentSymbolProvider: true,
      foldingRangeProvider: true,
      codeLensProvider: { resolveProvider: false },
      definitionProvider: true,
      inlayHintProvider: { resolveProvider: false },
    },
    serverInfo: { name: 'kcov-review' },
  };
});

connection.onInitialized(() => {
  if (registerConfigurationChanges) {
    void connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
  }
});

connection.onDidChangeConfiguration((change) => {
  if (!pullConfiguration && hasSettings(change.settings)) baseSettings = parseSettings(change.settings, baseSettings);
  reanalyzeAll();
  // kcovReview.inlayHints (or the configs the hints show) may have changed: the client asks again.
  if (inlayHintRefresh) void connection.languages.inlayHint.refresh().catch(() => undefined);
});

documents.onDidChangeContent((event) => {
  cancelPendingScavenge();
  track(event.document);
});

documents.onDidClose((event) => {
  scheduler.forget(event.document.uri);
  publishPostImages(event.document.uri, null);
  postImages.delete(event.document.uri);
  void connection.sendDiagnostics({ uri: event.document.uri, diagnostics: [] });
  collectAfterLargeDocument(event.document.getText().length);
});

/** A request that failed inside the server: logged, and answered as an LSP error (InternalError)
 *  rather than as an empty result, so that the client can tell "nothing here" from "it broke". */
function requestFailed(name: string, error: unknown): ResponseError<void> {
  const message = `kcov-review: ${name} failed: ${error instanceof Error ? error.message : String(error)}`;
  connection.console.error(message);
  return new ResponseError(ErrorCodes.InternalError, message);
}

connection.onHover(async (params): Promise<Hover | null | ResponseError<void>> => {
  try {
    const found = await reviewOf(params.textDocument.uri);
    return found ? hover(found.review, found.text, params.position, primitiveDoc) : null;
  } catch (error) {
    return requestFailed('hover', error);
  }
});

connection.onCodeAction(async (params): Promise<CodeAction[] | ResponseError<void>> => {
  try {
    const found = await reviewOf(params.textDocument.uri);
    if (!found) return [];
    return codeActions(found.review, params.textDocument.uri, found.text, params.range, repair, params.context.only);
  } catch (error) {
    return requestFailed('code actions', error);
  }
});

/** A request answered from the document's current Review (empty for a document it does not know); errors are LSP errors. */
function fromReview<T>(name: string, empty: T, present: (review: Review, text: string) => T) {
  return async (params: { textDocument: { uri: string } }): Promise<T | ResponseError<void>> => {
    try {
      const found = await reviewOf(params.textDocument.uri);
      return found ? present(found.review, found.text) : empty;
    } catch (error) {
      return requestFailed(name, error);
    }
  };
}

connection.onDocumentSymbol(fromReview<DocumentSymbol[]>('document symbols', [], documentSymbols));
connection.onFoldingRanges(fromReview<FoldingRange[]>('folding ranges', [], (review) => foldingRanges(review)));
connection.onCodeLens(fromReview<CodeLens[]>('code lenses', [], (review) => codeLenses(review)));

connection.onDefinition(async (params): Promise<Location | null | ResponseError<void>> => {
  try {
    const found = await reviewOf(params.textDocument.uri);
    return found ? definition(found.review, params.textDocument.uri, params.position.line) : null;
  } catch (error) {
    return requestFailed('definition', error);
  }
});

/** The post-image of a patch's file (virtual document `kcov-review:/post-image/...`), whose findings are then published under that URI. */
connection.onRequest(POST_IMAGE_REQUEST, async (params: { uri: string }): Promise<{ text: string | null }> => {
  const target = parsePostImageUri(params.uri);
  const found = target ? await reviewOf(target.patchUri) : null;
  const text = found && target ? postImageText(found.review, target.path) : null;
  if (found && target && text !== null) {
    postImages.set(target.patchUri, (postImages.get(target.patchUri) ?? new Set()).add(params.uri));
    publishPostImages(target.patchUri, found.review, params.uri);
  }
  return { text };
});

connection.onNotification(POST_IMAGE_CLOSED, (params: { uri: string }) => {
  const target = parsePostImageUri(params.uri);
  if (!target || !postImages.get(target.patchUri)?.has(params.uri)) return;
  void connection.sendDiagnostics({ uri: params.uri, diagnostics: [] });
  postImages.get(target.patchUri)?.delete(params.uri);
});

connection.languages.inlayHint.on(async (params): Promise<InlayHint[] | ResponseError<void>> => {
  try {
    if (!(await currentSettings()).inlayHints) return [];
    const found = await reviewOf(params.textDocument.uri);
    return found ? inlayHints(found.review, found.text, params.range, modelAt, isKcovSource(params.textDocument.uri)) : [];
  } catch (error) {
    return requestFailed('inlay hints', error);
  }
});

connection.onRequest(MODEL_STATE_REQUEST, async (params: { textDocument: { uri: string }; position: { line: number; character: number } }): Promise<{ markdown: string | null }> => {
  try {
    const found = await reviewOf(params.textDocument.uri);
    return { markdown: found ? modelState(found.review, found.text, params.position, modelAt, isKcovSource(params.textDocument.uri)) : null };
  } catch (error) {
    connection.console.error(`kcov-review: model state failed: ${String(error)}`);
    return { markdown: `kcov-review: the model state could not be computed: ${String(error)}` };
  }
});

/** The review reply mail for a patch document ("Draft review reply"). */
connection.onRequest(REPLY_REQUEST, async (params: { uri: string }): Promise<{ text: string | null }> => {
  const found = await reviewOf(params.uri);
  return { text: found ? draftReply(found.text, found.review) : null };
});

documents.listen(connection);
connection.listen();
