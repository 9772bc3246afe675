// The `_meta` envelope a 2026-07-28 MCP request carries (protocol version, client info and
// capabilities), for tests that write such requests by hand.
export const MODERN_META = {
  "io.modelcontextprotocol/protocolVersion": "2026-07-28",
  "io.modelcontextprotocol/clientInfo": { name: "raw", version: "1" },
  "io.modelcontextprotocol/clientCapabilities": {},
};
