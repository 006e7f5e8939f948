/**
 * Headless Neovim (0.7+) as a real LSP client: starts dist/server.js over stdio on seed 004 with the
 * kernel tree in the settings, waits for diagnostics and writes them as JSON for the assertions.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { SERVER_EXEC_ARGV } from '../../client/src/launch';
import { KERNEL_DIR, SEEDS, SERVER, requireBuild } from '../lsp/support/lspClient';

const NVIM = process.env.NVIM_BIN ?? 'nvim';
const SEED_004 = path.join(SEEDS, '004_5fcad42784cde50b.txt');
const SEED_000 = path.join(SEEDS, '000_47be01f0e2b144b9.txt');
const WAIT_MS = 30_000;

interface NvimDiagnostic {
  lnum: number;
  col: number;
  severity: number;
  message: string;
  source: string | null;
  code: string | null;
}

/** A Lua string literal. */
const lua = (s: string): string => JSON.stringify(s);

function initLua(out: string, seed: string): string {
  return `
local out = ${lua(out)}
local function finish(result, code)
  local f = io.open(out, 'w')
  f:write(vim.fn.json_encode(result))
  f:close()
  if code == 0 then vim.cmd('qall!') else vim.cmd('cquit ' .. code) end
end

vim.api.nvim_create_autocmd('VimEnter', { callback = function()
  local buf = vim.api.nvim_get_current_buf()
  local settings = { kcovReview = { kernelTree = ${lua(KERNEL_DIR)}, configs = { '!RT', 'RT+BHlock', 'RT' } } }
  local client_id = vim.lsp.start_client({
    name = 'kcov-review',
    cmd = { ${[process.execPath, ...SERVER_EXEC_ARGV, SERVER].map(lua).join(', ')}, '--stdio' },
    root_dir = ${lua(path.dirname(seed))},
    settings = settings,
    init_options = settings,
  })
  if not client_id then finish({ error = 'start_client failed' }, 3) return end
  vim.lsp.buf_attach_client(buf, client_id)
  local got = vim.wait(${WAIT_MS}, function() return #vim.diagnostic.get(buf) > 0 end, 50)
  if not got then finish({ error = 'timed out waiting for diagnostics' }, 2) return end
  local result = {}
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local lsp = (d.user_data or {}).lsp or {}
    table.insert(result, {
      lnum = d.lnum, col = d.col, severity = d.severity, message = d.message,
      source = d.source or vim.NIL, code = d.code or lsp.code or vim.NIL,
    })
  end
  -- Document symbols, hover on the first line with a finding, then the repair code action applied.
  local symbols = vim.lsp.buf_request_sync(buf, 'textDocument/documentSymbol', { textDocument = vim.lsp.util.make_text_document_params(buf) }, 10000)
  local symbol_names = {}
  for _, res in pairs(symbols or {}) do
    for _, sym in ipairs(res.result or {}) do
      table.insert(symbol_names, sym.name)
      for _, file in ipairs(sym.children or {}) do table.insert(symbol_names, file.name) end
    end
  end
  local hover_text = vim.NIL
  local finding_line = nil
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code or ((d.user_data or {}).lsp or {}).code
    if code == 'publish-barrier' then finding_line = d.lnum break end
  end
  if finding_line then
    local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', { textDocument = vim.lsp.util.make_text_document_params(buf), position = { line = finding_line, character = 0 } }, 10000)
    for _, res in pairs(hover or {}) do
      if res.result and res.result.contents then hover_text = res.result.contents.value or vim.NIL end
    end
  end
  -- The custom request behind "Show model state at cursor", on the same line.
  local model_state = vim.NIL
  if finding_line then
    local reply = vim.lsp.buf_request_sync(buf, 'kcovReview/modelState', { textDocument = vim.lsp.util.make_text_document_params(buf), position = { line = finding_line, character = 0 } }, 10000)
    for _, res in pairs(reply or {}) do
      if res.result and res.result.markdown then model_state = res.result.markdown end
    end
  end
  local repaired = false
  local damaged = nil
  for _, d in ipairs(vim.diagnostic.get(buf)) do
    local code = d.code or ((d.user_data or {}).lsp or {}).code
    if code == 'patch-damaged' then damaged = d end
  end
  if damaged then
    local lsp_diag = (damaged.user_data or {}).lsp
    local params = { textDocument = vim.lsp.util.make_text_document_params(buf), range = { start = { line = damaged.lnum, character = 0 }, ['end'] = { line = damaged.lnum, character = 0 } }, context = { diagnostics = { lsp_diag } } }
    local actions = vim.lsp.buf_request_sync(buf, 'textDocument/codeAction', params, 10000)
    for _, res in pairs(actions or {}) do
      for _, action in ipairs(res.result or {}) do
        if action.title:find('Repair') and action.edit then
          vim.lsp.util.apply_workspace_edit(action.edit, 'utf-16')
          repaired = true
        end
      end
    end
  end
  vim.lsp.stop_client(client_id)
  finish({ diagnostics = result, symbols = symbol_names, hover = hover_text, model_state = model_state, repaired = repaired, lines = vim.api.nvim_buf_get_lines(buf, 0, -1, false) }, 0)
end })
`;
}

function nvimVersion(): string | null {
  const r = spawnSync(NVIM, ['--version'], { encoding: 'utf8' });
  return r.status === 0 ? r.stdout.split('\n')[0] : null;
}

requireBuild();

describe('Neovim as an LSP client', () => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'kcov-review-nvim-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  function runNvim(seed: string, name: string): { diagnostics: NvimDiagnostic[]; symbols: string[]; hover: string | null; model_state: string | null; repaired: boolean; lines: string[] } {
    const version = nvimVersion();
    if (!version) throw new Error(`${NVIM} not found: install Neovim 0.7+ or set NVIM_BIN`);
    const out = path.join(dir, `${name}.json`);
    writeFileSync(path.join(dir, `${name}.lua`), initLua(out, seed));
    const xdg = (sub: string): string => path.join(dir, sub);
    const run = spawnSync(NVIM, ['--headless', '-n', '-i', 'NONE', '-u', path.join(dir, `${name}.lua`), seed], {
      encoding: 'utf8',
      timeout: WAIT_MS + 30_000,
      env: { ...process.env, XDG_CONFIG_HOME: xdg('config'), XDG_DATA_HOME: xdg('data'), XDG_STATE_HOME: xdg('state'), XDG_CACHE_HOME: xdg('cache') },
    });
    const written = existsSync(out) ? readFileSync(out, 'utf8') : '(nothing written)';
    expect(run.status, `${version} exited with ${run.status} (signal ${run.signal}): ${written}\n${run.stderr}`).toBe(0);
    return JSON.parse(written);
  }

  it('seed 004: diagnostics, document symbols, hover on the finding, the model state at its line, and the repair code action applied', () => {
    const result = runNvim(SEED_004, 'seed004');
    const ours = result.diagnostics.filter((d) => d.source === 'kcov-review');
    expect(ours.length).toBeGreaterThan(0);
    const lines = readFileSync(SEED_004, 'utf8').split('\n').length;
    for (const d of ours) {
      expect(d.lnum).toBeGreaterThanOrEqual(0);
      expect(d.lnum).toBeLessThan(lines);
      expect(typeof d.code).toBe('string');
    }
    expect(ours.map((d) => d.code)).toEqual(expect.arrayContaining(['patch-damaged', 'publish-barrier']));
    expect(result.symbols).toEqual(['[PATCH] smp_wmb() in kcov_move_area() after memcpy()', 'kernel/kcov.c']);
    expect(result.hover).toMatch(/\*\*publish-barrier\*\* \(fixed/);
    expect(result.model_state).toMatch(/model state before kernel\/kcov\.c:\d+ \(post-image: as the patch leaves it\) in `kcov_move_area\(\)`/);
    expect(result.model_state).toContain('| task | hardirq | no | `hardirq-interrupts-task` | hardirq is off here |');
    expect(result.repaired).toBe(true);
    expect(result.lines).toContain('+\tsmp_wmb();');
    expect(result.lines).toContain(' \tmemcpy(dst_entries, src_entries, bytes_to_move);');
  });

  it('seed 000: diagnostics (damage, hunks that do not apply) and symbols for both files', () => {
    const result = runNvim(SEED_000, 'seed000');
    const codes = result.diagnostics.filter((d) => d.source === 'kcov-review').map((d) => d.code);
    expect(codes).toEqual(expect.arrayContaining(['patch-damaged', 'hunk-not-found']));
    expect(result.symbols).toContain('include/linux/sched.h');
    expect(result.symbols).toContain('kernel/kcov.c');
    expect(result.repaired).toBe(true);
  });
});
