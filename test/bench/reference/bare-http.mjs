// The ceiling: node:http answering a fixed JSON hello, nothing else. PORT from the environment;
// started and stopped by the benchmark (test/bench/run.mjs).
import { createServer } from 'node:http';

const BODY = JSON.stringify({ hello: 'world' });

createServer((req, res) => {
  res.writeHead(200, { 'content-type': 'application/json; charset=utf-8' });
  res.end(BODY);
}).listen(Number(process.env.PORT), '127.0.0.1');
