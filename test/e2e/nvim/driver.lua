-- Run by test/e2e/neovim.test.mjs inside `nvim --headless` after init.lua: waits for the
-- server's diagnostics on the current buffer, asks for a hover, code lenses and inlay
-- hints through Neovim's own LSP client, writes what it got as JSON to
-- $REFCOUNT_LENS_NVIM_OUT, and quits. Assertions live in the test, not here.
local out = { errors = {} }
local buf = vim.api.nvim_get_current_buf()

local function note(msg) table.insert(out.errors, msg) end

local attached = vim.wait(20000, function() return #vim.lsp.buf_get_clients(buf) > 0 end, 50)
if not attached then note('no LSP client attached') end

local ok = vim.wait(30000, function() return #vim.diagnostic.get(buf) > 0 end, 50)
if not ok then note('no diagnostics within 30 s') end
out.diagnostics = {}
for _, d in ipairs(vim.diagnostic.get(buf)) do
  local lsp = (d.user_data or {}).lsp or {}
  table.insert(out.diagnostics, {
    lnum = d.lnum, col = d.col, severity = d.severity, message = d.message, source = d.source,
    code = lsp.code, related = lsp.relatedInformation,
  })
end

-- the cursor on the dev_clone handler's name, as a user would put it before pressing K
local target = vim.fn.search('^vpipe_lookup(', 'w')
out.hoverLine = target
local params = {
  textDocument = vim.lsp.util.make_text_document_params(buf),
  position = { line = target - 1, character = 3 },
}
local hover = vim.lsp.buf_request_sync(buf, 'textDocument/hover', params, 10000) or {}
for _, r in pairs(hover) do
  if r.error then note('hover error: ' .. vim.inspect(r.error)) end
  if r.result and r.result.contents then
    local lines = vim.lsp.util.convert_input_to_markdown_lines(r.result.contents)
    out.hover = table.concat(lines, '\n')
  end
end

vim.lsp.codelens.refresh()
vim.wait(10000, function() return #(vim.lsp.codelens.get(buf) or {}) > 0 end, 50)
out.codelenses = {}
for _, l in ipairs(vim.lsp.codelens.get(buf) or {}) do
  table.insert(out.codelenses, { line = l.range.start.line, title = l.command and l.command.title })
end

-- Neovim 0.7 has no inlay hint UI; the request still goes through its client
local hints = vim.lsp.buf_request_sync(buf, 'textDocument/inlayHint', {
  textDocument = vim.lsp.util.make_text_document_params(buf),
  range = { start = { line = 0, character = 0 }, ['end'] = { line = vim.api.nvim_buf_line_count(buf), character = 0 } },
}, 10000) or {}
out.inlayHints = {}
for _, r in pairs(hints) do
  for _, h in ipairs(r.result or {}) do
    local label = h.label
    if type(label) == 'table' then
      local parts = {}
      for _, p in ipairs(label) do table.insert(parts, p.value) end
      label = table.concat(parts)
    end
    table.insert(out.inlayHints, { line = h.position.line, label = label })
  end
end

local f = assert(io.open(vim.env.REFCOUNT_LENS_NVIM_OUT, 'w'))
f:write(vim.fn.json_encode(out))
f:close()
for _, c in pairs(vim.lsp.get_active_clients()) do c.stop() end
vim.wait(3000, function() return #vim.lsp.get_active_clients() == 0 end, 50)
vim.cmd('qa!')
