-- wbuild for Neovim (0.7 and later): the `wbuild` filetype for *.wbuild files
-- and the wbuild-lsp language server attached to them.
--
--   require("wbuild").setup()                      -- wbuild-lsp on $PATH
--   require("wbuild").setup({ cmd = { "/path/to/wbuild-lsp" } })
--
-- The root of a workspace is the nearest directory above the file with a .git,
-- else the file's directory; one server runs per root.
local M = {}

local clients = {}

local function root_of(path)
  local dir = vim.fn.fnamemodify(path, ":p:h")
  local found = vim.fn.finddir(".git", dir .. ";")
  if found ~= "" then
    return vim.fn.fnamemodify(found, ":p:h:h")
  end
  return dir
end

function M.setup(opts)
  opts = opts or {}
  local cmd = opts.cmd or { "wbuild-lsp" }
  local group = vim.api.nvim_create_augroup("wbuild", { clear = true })
  vim.api.nvim_create_autocmd({ "BufRead", "BufNewFile" }, {
    group = group,
    pattern = "*.wbuild",
    callback = function()
      vim.bo.filetype = "wbuild"
    end,
  })
  vim.api.nvim_create_autocmd("FileType", {
    group = group,
    pattern = "wbuild",
    callback = function(args)
      vim.bo[args.buf].commentstring = "# %s"
      local root = root_of(vim.api.nvim_buf_get_name(args.buf))
      local id = clients[root]
      if id == nil or vim.lsp.get_client_by_id(id) == nil then
        id = vim.lsp.start_client({
          name = "wbuild",
          cmd = cmd,
          root_dir = root,
          on_attach = opts.on_attach,
        })
        clients[root] = id
      end
      if id then
        vim.lsp.buf_attach_client(args.buf, id)
      end
    end,
  })
end

return M
