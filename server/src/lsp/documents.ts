/**
 * Which documents kcov-review analyses: patch and mail languages, patch file extensions, and
 * plain-text files whose content looks like a patch mail (web-archive copies saved as .txt).
 */

/** Language ids the server always analyses. */
export const PATCH_LANGUAGE_IDS: readonly string[] = ['diff', 'patch', 'patch-mail', 'mbox', 'eml'];

/** File extensions the server always analyses (lower case, with the dot). */
export const PATCH_EXTENSIONS: readonly string[] = ['.patch', '.diff', '.mbox', '.eml'];

/** Extensions analysed only when the content looks like a patch. */
const CONTENT_SNIFFED_EXTENSIONS: readonly string[] = ['.txt', ''];

/** How many leading lines are searched for a diff header. */
const SNIFF_LINES = 2000;

function extensionOf(uri: string): string {
  const pathPart = uri.replace(/[?#].*$/, '');
  const base = pathPart.slice(pathPart.lastIndexOf('/') + 1);
  const dot = base.lastIndexOf('.');
  return dot <= 0 ? '' : base.slice(dot).toLowerCase();
}

/** True when the text holds a unified diff (a `diff --git`, or `---`/`+++` followed by `@@`). */
export function looksLikePatch(text: string): boolean {
  const lines = text.split(/\r?\n/, SNIFF_LINES);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i];
    if (/^diff --git a\/\S+ b\/\S+/.test(line)) return true;
    if (/^--- \S/.test(line) && /^\+\+\+ \S/.test(lines[i + 1] ?? '') && /^@@ -\d+/.test(lines[i + 2] ?? '')) return true;
  }
  return false;
}

/** Decides whether a document is one kcov-review analyses. */
/** kernel/kcov.c itself (any path ending in it) is analysed as a file. */
export function isKcovSource(uri: string): boolean {
  return /(^|\/)kernel\/kcov\.c$/.test(decodeURIComponent(uri));
}

export function isPatchDocument(uri: string, languageId: string, text: string): boolean {
  if (isKcovSource(uri)) return true;
  if (PATCH_LANGUAGE_IDS.includes(languageId)) return true;
  const ext = extensionOf(uri);
  if (PATCH_EXTENSIONS.includes(ext)) return true;
  if (CONTENT_SNIFFED_EXTENSIONS.includes(ext) || languageId === 'plaintext' || languageId === 'text') {
    return looksLikePatch(text);
  }
  return false;
}

/** Splits a document into lines the way LSP counts them (`\n`, `\r\n` and lone `\r` end a line). */
export function documentLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}
