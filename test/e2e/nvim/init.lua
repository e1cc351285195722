-- Attaches the Refcount Lens language server to C buffers. Neovim 0.7+ (Debian's 0.7.2
-- has no vim.lsp.start, so this uses start_client + buf_attach_client, which later
-- versions still have). The same config as docs/neovim.md, with paths from the
-- environment so the test can point it at this checkout.
local server = vim.env.REFCOUNT_LENS_SERVER or vim.fn.expand('~/refcount-lens/dist/server.js')
local root_markers = { '.refcount-lens.json', '.git' }

local function find_root(file)
  local dir = vim.fn.fnamemodify(file, ':p:h')
  while dir ~= '/' do
    for _, marker in ipairs(root_markers) do
      if vim.loop.fs_stat(dir .. '/' .. marker) then return dir end
    end
    dir = vim.fn.fnamemodify(dir, ':h')
  end
  return vim.fn.fnamemodify(file, ':p:h')
end

local clients = {}

vim.api.nvim_create_autocmd('FileType', {
  pattern = 'c',
  callback = function(args)
    local root = vim.env.REFCOUNT_LENS_ROOT or find_root(vim.api.nvim_buf_get_name(args.buf))
    if not clients[root] then
      clients[root] = vim.lsp.start_client({
        name = 'refcount-lens',
        cmd = { 'node', server, '--stdio' },
        root_dir = root,
        workspace_folders = { { uri = vim.uri_from_fname(root), name = root } },
        -- what workspace/configuration answers for the section "refcountLens"
        settings = { refcountLens = { preset = 'auto', inlayHints = { enabled = true } } },
        on_attach = function(_, bufnr)
          -- code lenses: refresh on open and after edits; <leader>rl runs the one on the cursor line
          vim.api.nvim_create_autocmd({ 'BufEnter', 'InsertLeave', 'TextChanged' }, {
            buffer = bufnr,
            callback = function() vim.lsp.codelens.refresh() end,
          })
          vim.keymap.set('n', '<leader>rl', vim.lsp.codelens.run, { buffer = bufnr })
          vim.keymap.set('n', 'K', vim.lsp.buf.hover, { buffer = bufnr })
        end,
      })
    end
    vim.lsp.buf_attach_client(args.buf, clients[root])
  end,
})
