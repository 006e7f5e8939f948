/**
 * Re-indents added lines whose indentation a web archive collapsed (`+\t\tfoo` shown as `+ foo`).
 * Context lines get their exact text back from the tree; added lines are not in the tree, so their
 * indentation is rebuilt in kernel style (Documentation/process/coding-style.rst: tabs, `case` at
 * the `switch` level, labels and preprocessor lines in column 0, continuation lines one tab deeper,
 * block comment lines as ` * ` under the opener). Only whitespace changes: the C is untouched.
 */
import type { HunkLine } from './types';

function leadingTabs(text: string): number {
  const m = /^\t*/.exec(text);
  return m ? m[0].length : 0;
}

function openParens(text: string): number {
  let n = 0;
  for (const c of text.replace(/"(?:\\.|[^"\\])*"|'(?:\\.|[^'\\])*'/g, '')) {
    if (c === '(') n++;
    else if (c === ')') n--;
  }
  return n;
}

interface IndentState {
  /** Tabs of the statement level the next line starts at. */
  depth: number;
  /** Unclosed parentheses carried from the previous lines (continuation). */
  parens: number;
  /** Inside a block comment opened at this depth. */
  commentDepth: number | null;
}

function stateAfter(text: string, before: IndentState): IndentState {
  const trimmed = text.trim();
  if (trimmed === '' || trimmed.startsWith('#')) return before;
  const depth = leadingTabs(text);
  const opensComment = trimmed.startsWith('/*') && !trimmed.includes('*/');
  const closesComment = before.commentDepth !== null && trimmed.includes('*/');
  if (opensComment) return { ...before, commentDepth: depth };
  if (closesComment) return { ...before, commentDepth: null };
  if (before.commentDepth !== null) return before;
  const parens = before.parens + openParens(trimmed);
  if (parens > 0) return { depth: before.parens > 0 ? before.depth : depth, parens, commentDepth: null };
  const statementDepth = before.parens > 0 ? before.depth : depth;
  const isCase = /^(case\b.*|default\s*):/.test(trimmed);
  const next = trimmed.endsWith('{') ? statementDepth + 1 : isCase ? statementDepth + 1 : statementDepth;
  return { depth: next, parens: 0, commentDepth: null };
}

function indentFor(trimmed: string, state: IndentState): string {
  if (trimmed === '') return '';
  if (trimmed.startsWith('#')) return '';
  if (state.commentDepth !== null) return '\t'.repeat(state.commentDepth) + ' ';
  if (/^[A-Za-z_]\w*:$/.test(trimmed) && !/^default:$/.test(trimmed)) return '';
  if (state.parens > 0) return '\t'.repeat(state.depth + 1);
  let depth = state.depth;
  if (trimmed.startsWith('}')) depth--;
  if (/^(case\b.*|default\s*):/.test(trimmed)) depth--;
  return '\t'.repeat(Math.max(0, depth));
}

/** True when an added line's indentation looks collapsed by the archive (`+ foo` or `+foo`). */
function looksCollapsed(text: string): boolean {
  return text.trim() !== '' && !text.startsWith('\t') && /^ ?\S/.test(text);
}

export function reindentAddedLines(lines: readonly HunkLine[], damaged: boolean): HunkLine[] {
  if (!damaged) return [...lines];
  let state: IndentState = { depth: 0, parens: 0, commentDepth: null };
  const out: HunkLine[] = [];
  for (const line of lines) {
    if (line.kind === '-') { out.push(line); continue; }
    let text = line.text;
    if (line.kind === '+' && looksCollapsed(line.text)) {
      const trimmed = line.text.trim();
      const indent = trimmed.startsWith('*') && state.commentDepth !== null ? '\t'.repeat(state.commentDepth) + ' ' : indentFor(trimmed, state);
      text = indent + trimmed;
      out.push(text === line.text ? line : { ...line, text, damagedText: line.text });
    } else {
      out.push(line);
    }
    // The state follows the post-image: context and added lines.
    state = stateAfter(text, state);
  }
  return out;
}
