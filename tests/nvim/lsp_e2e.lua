-- Drive `exlint lsp` from a real Neovim (0.7+, headless), as tests/nvim.rs does:
-- open a draft, wait for diagnostics, edit without saving, see them change, hover, apply a fix.
-- Environment: EXLINT_BIN (the binary), EXLINT_DRAFT (the file), EXLINT_OUT (where to report).
-- Every report line is "<label> <rule> <line>:<col>-<line>:<col>" (0-based, byte columns) or a
-- plain note; the last line is "OK" or "FAIL <why>".

local out = assert(io.open(os.getenv("EXLINT_OUT"), "w"))
local function say(fmt, ...)
  out:write(string.format(fmt, ...), "\n")
  out:flush()
end

local function main()
  vim.cmd("edit " .. vim.fn.fnameescape(os.getenv("EXLINT_DRAFT")))
  local buf = vim.api.nvim_get_current_buf()
  say("filetype %s", vim.bo[buf].filetype)

  local client_id = vim.lsp.start_client({
    name = "exlint",
    cmd = { os.getenv("EXLINT_BIN"), "lsp" },
    root_dir = vim.fn.fnamemodify(os.getenv("EXLINT_DRAFT"), ":h"),
  })
  assert(client_id, "start_client failed")
  assert(vim.lsp.buf_attach_client(buf, client_id), "buf_attach_client failed")

  local function code(d)
    return d.code or (d.user_data and d.user_data.lsp and d.user_data.lsp.code)
  end
  local function codes()
    local set = {}
    for _, d in ipairs(vim.diagnostic.get(buf)) do
      set[code(d)] = true
    end
    return set
  end
  -- Bounded: 10 s per expectation.
  local function wait_until(what, pred)
    if not vim.wait(10000, pred, 20) then
      error("timed out waiting for " .. what)
    end
  end
  local function dump(label)
    local diags = vim.diagnostic.get(buf)
    table.sort(diags, function(a, b)
      return a.lnum < b.lnum or (a.lnum == b.lnum and a.col < b.col)
    end)
    for _, d in ipairs(diags) do
      say("%s %s %d:%d-%d:%d", label, code(d), d.lnum, d.col, d.end_lnum, d.end_col)
    end
  end

  wait_until("we-need-to-talk and begging", function()
    local c = codes()
    return c["we-need-to-talk"] and c["begging"]
  end)
  dump("open")

  -- Edit without saving: the plea becomes shouting, the opener becomes harmless. The first edit
  -- sits after an emoji, so the UTF-16 columns Neovim sends must be converted exactly.
  vim.api.nvim_buf_set_text(buf, 1, 0, 1, #"please come back", { "THAT IS SO FUNNY" })
  vim.api.nvim_buf_set_text(buf, 0, #"😀 ", 0, #"😀 we need to talk", { "hi there" })
  say("modified %s", tostring(vim.bo[buf].modified))
  wait_until("shouting, and no begging or we-need-to-talk", function()
    local c = codes()
    return c["shouting"] and not c["begging"] and not c["we-need-to-talk"]
  end)
  dump("edited")

  local uri = vim.uri_from_bufnr(buf)
  local hover = vim.lsp.buf_request_sync(buf, "textDocument/hover", {
    textDocument = { uri = uri },
    position = { line = 1, character = 3 },
  }, 5000)
  local value = hover and hover[client_id] and hover[client_id].result
    and hover[client_id].result.contents.value
  assert(value, "no hover: " .. vim.inspect(hover))
  say("hover %s", value:match("^[^\n]*"))

  local actions = vim.lsp.buf_request_sync(buf, "textDocument/codeAction", {
    textDocument = { uri = uri },
    range = { start = { line = 1, character = 0 }, ["end"] = { line = 1, character = 0 } },
    context = { diagnostics = {} },
  }, 5000)
  local list = actions and actions[client_id] and actions[client_id].result or {}
  for _, a in ipairs(list) do
    say("action %s", a.title)
  end
  assert(list[1] and list[1].edit, "no fix offered")
  vim.lsp.util.apply_workspace_edit(list[1].edit, "utf-16")
  say("line after fix %s", vim.api.nvim_buf_get_lines(buf, 1, 2, false)[1])
  wait_until("shouting to go away after the fix", function()
    return next(vim.diagnostic.get(buf)) == nil
  end)
  say("after fix: no diagnostics")

  vim.lsp.stop_client(client_id)
  wait_until("the server to stop", function()
    return vim.lsp.get_client_by_id(client_id) == nil
  end)
end

local ok, err = pcall(main)
if ok then
  say("OK")
  out:close()
  vim.cmd("qall!")
else
  say("FAIL %s", tostring(err))
  out:close()
  vim.cmd("cquit 1")
end
