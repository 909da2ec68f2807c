-- policyrules in Neovim: `.policy` files get the `policyrules` filetype, `#` comments and
-- the language server (`policyrules lsp`). Put this folder (editors/nvim) on the
-- runtimepath and call require("policyrules").setup() from init.lua (docs/editors.md).
--
-- Neovim 0.8 and later start the server with vim.lsp.start, which reuses one server per
-- project; Neovim 0.7 has only vim.lsp.start_client and buf_attach_client, so there one
-- server is started for the first policy opened and every later one attaches to it.
local M = {}

-- The folder that holds `.git` above a file, else the file's own folder: the project the
-- server is started for. (vim.fs, which would find it, is not in Neovim 0.7.)
local function project_of(bufnr)
  local file = vim.api.nvim_buf_get_name(bufnr)
  local folder = vim.fn.fnamemodify(file, ":p:h")
  local git = vim.fn.finddir(".git", folder .. ";")
  if git == "" then
    return folder
  end
  return vim.fn.fnamemodify(git, ":p:h:h")
end

-- opts.cmd: how to start the server, by default { "policyrules", "lsp" }; a list, as in
-- { "/path/to/venv/bin/python", "-m", "policyrules", "lsp" }.
function M.setup(opts)
  opts = opts or {}
  local cmd = opts.cmd or { "policyrules", "lsp" }
  local group = vim.api.nvim_create_augroup("policyrules", { clear = true })
  if vim.fn.has("nvim-0.8") == 1 then
    vim.filetype.add({ extension = { policy = "policyrules" } })
  else -- 0.7 reads vim.filetype.add only when g:do_filetype_lua is set
    vim.api.nvim_create_autocmd({ "BufNewFile", "BufRead" }, {
      group = group,
      pattern = "*.policy",
      command = "setfiletype policyrules",
    })
  end
  local client_id = nil -- Neovim 0.7: the one server, once started
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = "policyrules",
    callback = function(args)
      vim.bo[args.buf].commentstring = "# %s"
      local config = { name = "policyrules", cmd = cmd, root_dir = project_of(args.buf) }
      if vim.lsp.start then
        vim.lsp.start(config, { bufnr = args.buf })
        return
      end
      if client_id == nil or vim.lsp.get_client_by_id(client_id) == nil then
        client_id = vim.lsp.start_client(config)
      end
      if client_id ~= nil then
        vim.lsp.buf_attach_client(args.buf, client_id)
      end
    end,
  })
end

return M
