/**
 * Headless Neovim (0.7+) as a real LSP client: starts dist/server.js over stdio on seed 004 with the
 * kernel tree in the settings, waits for diagnostics and writes them as JSON for the assertions.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { KERNEL_DIR, SEEDS, SERVER, requireBuild } from '../lsp/support/lspClient';

const NVIM = process.env.NVIM_BIN ?? 'nvim';
const SEED_004 = path.join(SEEDS, '004_5fcad42784cde50b.txt');
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

function initLua(out: string): string {
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
    cmd = { ${lua(process.execPath)}, ${lua(SERVER)}, '--stdio' },
    root_dir = ${lua(path.dirname(SEED_004))},
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
  vim.lsp.stop_client(client_id)
  finish({ diagnostics = result }, 0)
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

  it('receives kcov-review diagnostics for seed 004', () => {
    const version = nvimVersion();
    if (!version) throw new Error(`${NVIM} not found: install Neovim 0.7+ or set NVIM_BIN`);
    const out = path.join(dir, 'diagnostics.json');
    writeFileSync(path.join(dir, 'init.lua'), initLua(out));
    const xdg = (name: string): string => path.join(dir, name);
    const run = spawnSync(NVIM, ['--headless', '-n', '-i', 'NONE', '-u', path.join(dir, 'init.lua'), SEED_004], {
      encoding: 'utf8',
      timeout: WAIT_MS + 15_000,
      env: { ...process.env, XDG_CONFIG_HOME: xdg('config'), XDG_DATA_HOME: xdg('data'), XDG_STATE_HOME: xdg('state'), XDG_CACHE_HOME: xdg('cache') },
    });
    const written = existsSync(out) ? readFileSync(out, 'utf8') : '(nothing written)';
    expect(run.status, `${version} exited with ${run.status} (signal ${run.signal}): ${written}\n${run.stderr}`).toBe(0);
    const result = JSON.parse(written) as { diagnostics: NvimDiagnostic[] };
    const ours = result.diagnostics.filter((d) => d.source === 'kcov-review');
    expect(ours.length).toBeGreaterThan(0);
    const lines = readFileSync(SEED_004, 'utf8').split('\n').length;
    for (const d of ours) {
      expect(d.lnum).toBeGreaterThanOrEqual(0);
      expect(d.lnum).toBeLessThan(lines);
      expect(typeof d.code).toBe('string');
    }
  });
});
