// A minimal HTTP/1.1 keep-alive client for the load generators (test/bench/rest.ts, mcp.ts), as
// JavaScript source for their worker threads (loader hooks such as tsx do not reach worker threads
// on Node 20). Like autocannon it writes requests straight to a socket and reads only the status,
// the Content-Length and the body: node:http's client cost several times the server's own parsing
// per request, CPU that a 2-core machine then took from the server being measured. It reads
// Content-Length and chunked bodies, which is all the servers measured here send.

/**
 * Defines `openConnection(url)` in the worker: `{ request(method, path, headers, body), post(path,
 * headers, body), close() }`; each sends one request on the connection and resolves with
 * `{ status, body }` when its response is in.
 */
export const RAW_HTTP_CLIENT_SOURCE = `
const { connect } = require("node:net");
function openConnection(url) {
  const socket = connect(Number(url.port), url.hostname);
  socket.setNoDelay(true);
  let buffer = Buffer.alloc(0), pending = null;
  socket.on("data", (chunk) => {
    buffer = buffer.length === 0 ? chunk : Buffer.concat([buffer, chunk]);
    const end = buffer.indexOf("\\r\\n\\r\\n");
    if (end < 0) return;
    const head = buffer.subarray(0, end).toString("latin1");
    const length = /\\r\\ncontent-length: *(\\d+)/i.exec(head);
    let body, total;
    if (length) {
      total = end + 4 + Number(length[1]);
      if (buffer.length < total) return;
      body = buffer.subarray(end + 4, total).toString("utf8");
    } else if (/\\r\\ntransfer-encoding: *chunked/i.test(head)) {
      // Chunks: hex size CRLF data CRLF, ending with a zero-size chunk and CRLF.
      const parts = [];
      let at = end + 4;
      for (;;) {
        const line = buffer.indexOf("\\r\\n", at);
        if (line < 0) return;
        const size = parseInt(buffer.subarray(at, line).toString("latin1"), 16);
        if (buffer.length < line + 2 + size + 2) return;
        if (size === 0) { total = line + 4; break; }
        parts.push(buffer.subarray(line + 2, line + 2 + size));
        at = line + 2 + size + 2;
      }
      body = Buffer.concat(parts).toString("utf8");
    } else {
      total = end + 4;
      body = "";
    }
    buffer = buffer.subarray(total);
    const done = pending;
    pending = null;
    done.resolve({ status: Number(head.slice(9, 12)), body });
  });
  socket.on("error", (err) => pending?.reject(err));
  // A bench that hangs reports nothing: a request unanswered for 10 s fails it instead.
  socket.setTimeout(10000, () => pending?.reject(new Error("no response in 10 s")));
  const request = (method, path, headers, body) => new Promise((resolve, reject) => {
    pending = { resolve, reject };
    let head = method + " " + path + " HTTP/1.1\\r\\nHost: " + url.host + "\\r\\n";
    for (const [name, value] of Object.entries(headers)) head += name + ": " + value + "\\r\\n";
    socket.write(head + "Content-Length: " + Buffer.byteLength(body) + "\\r\\n\\r\\n" + body);
  });
  return {
    request,
    post: (path, headers, body) => request("POST", path, headers, body),
    close: () => socket.destroy(),
  };
}
`;
