-- The author's loop of docs/editors.md, driven in a headless Neovim that was started with
-- the docs' init.lua: open the Durham policy, misspell a training name, wait for the
-- diagnostic, hover a citation, complete, list the outline, fix it, go to a definition (in
-- the file and across `extends`), format. What Neovim saw is written as JSON to
-- $POLICYRULES_OUT for tests/test_editors_nvim.py to check; a step that fails is recorded
-- there too.
local out = { steps = {} }
local PATIENCE = 30000 -- ms: a guard against a server that never answers, not a speed test

local function find(bufnr, needle)
  for i, line in ipairs(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false)) do
    local at = string.find(line, needle, 1, true)
    if at then
      return i - 1, at - 1 -- 0-based line and byte (the text is ASCII, as UTF-16 counts)
    end
  end
  error("not in the buffer: " .. needle)
end

local function clients(filter)
  if vim.lsp.get_clients then -- 0.10 and later
    return vim.lsp.get_clients(filter)
  end
  if filter.bufnr then
    return vim.lsp.buf_get_clients(filter.bufnr)
  end
  return vim.lsp.get_active_clients()
end

local function attached(bufnr)
  for _, client in pairs(clients({ bufnr = bufnr })) do
    if client.name == "policyrules" and client.initialized then
      return client
    end
  end
  return nil
end

local function request(bufnr, method, line, character)
  local params = {
    textDocument = { uri = vim.uri_from_bufnr(bufnr) },
    position = { line = line, character = character },
  }
  local answers = vim.lsp.buf_request_sync(bufnr, method, params, PATIENCE)
  for _, answer in pairs(answers or {}) do
    if answer.error then
      error(method .. ": " .. vim.inspect(answer.error))
    end
    return answer.result
  end
  error(method .. ": no answer")
end

local function diagnostics(bufnr)
  local seen = {}
  for _, d in ipairs(vim.diagnostic.get(bufnr)) do
    table.insert(seen, {
      message = d.message, line = d.lnum, column = d.col, end_line = d.end_lnum,
      end_column = d.end_col, severity = d.severity, source = d.source, code = d.code,
    })
  end
  return seen
end

local function wait_for(what, check)
  if not vim.wait(PATIENCE, check, 20) then
    error("gave up waiting for " .. what)
  end
end

local function step(name, run)
  local ok, result = pcall(run)
  if ok then
    out[name] = result
  else
    out.failed = out.failed or {}
    out.failed[name] = tostring(result)
  end
  table.insert(out.steps, name)
end

local durham = os.getenv("POLICYRULES_DURHAM")
local bufnr

step("open", function()
  vim.cmd("edit " .. vim.fn.fnameescape(durham))
  bufnr = vim.api.nvim_get_current_buf()
  wait_for("the server", function() return attached(bufnr) ~= nil end)
  -- The server answers in order: once a hover comes back, the text it opened is checked.
  request(bufnr, "textDocument/hover", 0, 0)
  return {
    filetype = vim.bo[bufnr].filetype,
    commentstring = vim.bo[bufnr].commentstring,
    server = attached(bufnr).name,
    diagnostics = diagnostics(bufnr),
  }
end)

step("type", function()
  local line = find(bufnr, "satisfied by safeguarding-induction")
  local text = vim.api.nvim_buf_get_lines(bufnr, line, line + 1, false)[1]
  local typo = string.gsub(text, "safeguarding%-induction", "safeguarding-inducton")
  vim.api.nvim_buf_set_lines(bufnr, line, line + 1, false, { typo })
  wait_for("the diagnostic", function() return #vim.diagnostic.get(bufnr) > 0 end)
  local d = vim.diagnostic.get(bufnr)[1]
  -- As docs/editors.md shows it: what the server set, as Neovim keeps it.
  local shown = vim.inspect({
    lnum = d.lnum, col = d.col, end_lnum = d.end_lnum, end_col = d.end_col,
    severity = d.severity, source = d.source, code = d.code, message = d.message,
  })
  return { line = line, diagnostics = diagnostics(bufnr), shown = shown }
end)

step("hover", function()
  local line = find(bufnr, "requirement induction ")
  local cites = vim.api.nvim_buf_get_lines(bufnr, line, -1, false)
  for i, text in ipairs(cites) do
    local at = string.find(text, "cites 4.7", 1, true)
    if at then
      local result = request(bufnr, "textDocument/hover", line + i - 1, at - 1 + #"cites 4")
      return { line = line + i - 1, markdown = result.contents.value }
    end
  end
  error("no `cites 4.7` under the induction requirement")
end)

step("complete", function()
  local line, column = find(bufnr, "applies to contact at least occasional")
  local result = request(bufnr, "textDocument/completion", line,
    column + #"applies to contact at least ")
  local labels = {}
  for _, item in ipairs(result.items or result) do
    table.insert(labels, item.label)
  end
  return { labels = labels }
end)

step("outline", function()
  local result = request(bufnr, "textDocument/documentSymbol", 0, 0)
  local names = {}
  for _, symbol in ipairs(result) do
    table.insert(names, symbol.name)
  end
  return { names = names }
end)

step("fix", function()
  local line = find(bufnr, "satisfied by safeguarding-inducton")
  local text = vim.api.nvim_buf_get_lines(bufnr, line, line + 1, false)[1]
  local fixed = string.gsub(text, "safeguarding%-inducton", "safeguarding-induction")
  vim.api.nvim_buf_set_lines(bufnr, line, line + 1, false, { fixed })
  wait_for("the diagnostic to go", function() return #vim.diagnostic.get(bufnr) == 0 end)
  return { diagnostics = diagnostics(bufnr) }
end)

step("definition", function()
  local line, column = find(bufnr, "satisfied by safeguarding-induction")
  vim.api.nvim_win_set_cursor(0, { line + 1, column + #"satisfied by " + 2 })
  vim.lsp.buf.definition()
  wait_for("the jump", function() return vim.api.nvim_win_get_cursor(0)[1] ~= line + 1 end)
  local at = vim.api.nvim_win_get_cursor(0)
  return {
    file = vim.api.nvim_buf_get_name(0),
    line_text = vim.api.nvim_buf_get_lines(0, at[1] - 1, at[1], false)[1],
  }
end)

step("format", function()
  vim.api.nvim_set_current_buf(bufnr)
  local line = find(bufnr, "  applies to contact at least occasional")
  vim.api.nvim_buf_set_lines(bufnr, line, line + 1, false,
    { "        applies   to contact at least occasional" })
  if vim.lsp.buf.format then
    vim.lsp.buf.format({ bufnr = bufnr, async = false, timeout_ms = PATIENCE })
  else
    vim.lsp.buf.formatting_sync(nil, PATIENCE)
  end
  return { text = table.concat(vim.api.nvim_buf_get_lines(bufnr, 0, -1, false), "\n") }
end)

step("definition_across_extends", function()
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("POLICYRULES_LOCAL")))
  local here = vim.api.nvim_get_current_buf()
  wait_for("the server", function() return attached(here) ~= nil end)
  local line, column = find(here, "amend requirement ")
  vim.api.nvim_win_set_cursor(0, { line + 1, column + #"amend requirement " + 1 })
  vim.lsp.buf.definition()
  wait_for("the jump", function() return vim.api.nvim_get_current_buf() ~= here end)
  local at = vim.api.nvim_win_get_cursor(0)
  return {
    file = vim.api.nvim_buf_get_name(0),
    line_text = vim.api.nvim_buf_get_lines(0, at[1] - 1, at[1], false)[1],
    servers = #clients({}),
  }
end)

out.version = vim.version()
vim.fn.writefile({ vim.fn.json_encode(out) }, os.getenv("POLICYRULES_OUT"))
vim.cmd("qall!")
