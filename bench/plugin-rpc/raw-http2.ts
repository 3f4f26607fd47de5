// The floor under every gRPC figure: the same SetWeight exchange written directly on
// node:http2, with no gRPC library on either side. The client sends the request headers and
// one length-prefixed message and half-closes; the server answers headers, one
// length-prefixed reply and `grpc-status: 0` trailers, which is the frame sequence a gRPC
// unary call puts on the wire. Nothing is decoded beyond the framing, so what is left is the
// cost of two Node processes exchanging HTTP/2 streams over the socket.
import {
  type ClientHttp2Session,
  connect as connectHttp2,
  constants,
  createServer,
  type ServerHttp2Stream,
} from "node:http2";
import { connect as connectNet } from "node:net";
import { SetWeightRequest, SetWeightResponse, TrafficRouterService } from "@sluice/proto";
import { parseAddress } from "@sluice/sdk";

/** One gRPC length-prefixed message: flag byte 0 (not compressed), 4-byte length, payload. */
function frame(payload: Uint8Array): Buffer {
  const framed = Buffer.alloc(5 + payload.length);
  framed.writeUInt32BE(payload.length, 1);
  framed.set(payload, 5);
  return framed;
}

const { HTTP2_HEADER_PATH, HTTP2_HEADER_METHOD, HTTP2_HEADER_CONTENT_TYPE, HTTP2_HEADER_STATUS } =
  constants;

/** Serves the bare exchange on `listen` (unix:///path or HOST:PORT); answers the address. */
export async function serveRawHttp2(listen: string): Promise<string> {
  const reply = frame(SetWeightResponse.encode({}).finish());
  const server = createServer();
  server.on("stream", (stream: ServerHttp2Stream) => {
    stream.on("data", () => undefined);
    stream.on("end", () => {
      stream.respond(
        { [HTTP2_HEADER_STATUS]: 200, [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc" },
        { waitForTrailers: true },
      );
      stream.once("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(reply);
    });
  });
  const address = parseAddress(listen);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    if (address.kind === "unix") server.listen(address.path, resolve);
    else server.listen(address.port, address.host.replace(/^\[|\]$/g, ""), resolve);
  });
  if (address.kind === "unix") return listen;
  const bound = server.address();
  const port = typeof bound === "object" && bound !== null ? bound.port : address.port;
  return `${address.host}:${port}`;
}

/** A client for serveRawHttp2: one session, one stream per call. */
export async function rawHttp2Client(
  addressText: string,
  request: Partial<SetWeightRequest>,
): Promise<{ call: () => Promise<void>; close: () => void }> {
  const address = parseAddress(addressText);
  const session: ClientHttp2Session = connectHttp2("http://plugin", {
    createConnection: () =>
      address.kind === "unix"
        ? connectNet(address.path)
        : connectNet({ host: address.host.replace(/^\[|\]$/g, ""), port: address.port }),
  });
  await new Promise<void>((resolve, reject) => {
    session.once("connect", () => resolve());
    session.once("error", reject);
  });
  const body = frame(SetWeightRequest.encode(SetWeightRequest.fromPartial(request)).finish());
  const headers = {
    [HTTP2_HEADER_METHOD]: "POST",
    [HTTP2_HEADER_PATH]: TrafficRouterService.setWeight.path,
    [HTTP2_HEADER_CONTENT_TYPE]: "application/grpc",
    te: "trailers",
  };
  const call = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const stream = session.request(headers);
      let grpcStatus: unknown;
      stream.on("data", () => undefined);
      stream.once("trailers", (trailers) => {
        grpcStatus = trailers["grpc-status"];
      });
      stream.once("error", reject);
      stream.once("close", () =>
        grpcStatus === "0"
          ? resolve()
          : reject(new Error(`raw HTTP/2 SetWeight ended with grpc-status ${String(grpcStatus)}`)),
      );
      stream.end(body);
    });
  return { call, close: () => session.close() };
}
