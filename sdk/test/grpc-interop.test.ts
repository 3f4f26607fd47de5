// The SDK's client and server are written on node:http2; plugins in other languages and
// tools such as health probes speak gRPC through standard libraries. grpc-js stands in for
// them here, in both directions.
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServiceError,
  status,
} from "@grpc/grpc-js";
import {
  CallsRequest,
  CallsResponse,
  SetWeightRequest,
  SetWeightResponse,
  TrafficRouterService,
} from "@sluice/proto";
import {
  connectTrafficRouter,
  PluginCallError,
  type PluginServerHandle,
  serveTrafficRouter,
  toJsonBytes,
} from "@sluice/sdk";
import { service as healthService } from "grpc-health-check";
import { pino } from "pino";
import { afterAll, describe, expect, it } from "vitest";
import { freshSocket } from "./helpers.js";

const rollout = toJsonBytes({ metadata: { name: "web", namespace: "default" } });
const config = toJsonBytes({});
const cleanups: Array<() => unknown> = [];
afterAll(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

function bindGrpcJs(server: Server, address: string): Promise<void> {
  return new Promise((resolve, reject) =>
    server.bindAsync(address, ServerCredentials.createInsecure(), (error) =>
      error === null ? resolve() : reject(error),
    ),
  );
}

describe("the SDK client against a grpc-js server", () => {
  it("gets replies, the server's status codes and messages, and its own deadline", async () => {
    const address = await freshSocket("interop-client");
    const weights: number[] = [];
    const server = new Server();
    server.addService(TrafficRouterService, {
      setWeight: (
        call: { request: SetWeightRequest },
        callback: (error: Partial<ServiceError> | null, reply?: SetWeightResponse) => void,
      ) => {
        const weight = call.request.desiredWeight;
        if (weight === 66) return; // never answers
        if (weight === 13)
          return callback({ code: status.FAILED_PRECONDITION, details: "weight 13% refused: odd" });
        weights.push(weight);
        callback(null, SetWeightResponse.fromPartial({}));
      },
    });
    await bindGrpcJs(server, address);
    cleanups.push(() => server.forceShutdown());
    const client = connectTrafficRouter(address, { timeoutMs: 500 });
    cleanups.push(() => client.close());

    const reply = await client.setWeight({ rollout, config, desiredWeight: 30 });
    expect(reply.error).toBeUndefined();
    expect(weights).toEqual([30]);

    const refused = await client.setWeight({ rollout, config, desiredWeight: 13 }).catch((e) => e);
    expect(refused).toBeInstanceOf(PluginCallError);
    expect((refused as PluginCallError).code).toBe(status.FAILED_PRECONDITION);
    expect((refused as PluginCallError).details).toBe("weight 13% refused: odd");

    const started = Date.now();
    const late = await client.setWeight({ rollout, config, desiredWeight: 66 }).catch((e) => e);
    expect((late as PluginCallError).code).toBe(status.DEADLINE_EXCEEDED);
    expect(Date.now() - started).toBeLessThan(2_000);

    // A method the server does not implement.
    const unknown = await client
      .verifyWeight({ rollout, config, desiredWeight: 30 })
      .catch((e) => e);
    expect((unknown as PluginCallError).code).toBe(status.UNIMPLEMENTED);
  });
});

describe("a grpc-js client against the SDK's server", () => {
  let handle: PluginServerHandle;
  let client: Client;

  function call<Res>(
    path: string,
    request: Buffer,
    decode: (bytes: Buffer) => Res,
  ): Promise<{ error: ServiceError | null; reply?: Res }> {
    return new Promise((resolve) =>
      client.makeUnaryRequest(
        path,
        (value: Buffer) => value,
        decode,
        request,
        new Metadata(),
        { deadline: Date.now() + 5_000 },
        (error, reply) => resolve({ error, ...(reply === undefined ? {} : { reply }) }),
      ),
    );
  }

  it("answers unary calls, health Check and Watch, and UNIMPLEMENTED for unknown methods", async () => {
    const seen: number[] = [];
    handle = await serveTrafficRouter(
      {
        name: "test/interop",
        version: "1.0.0",
        setWeight: ({ desiredWeight }) => {
          seen.push(desiredWeight);
        },
      },
      {
        listen: await freshSocket("interop-server"),
        logger: pino({ level: "silent" }),
        handleSignals: false,
      },
    );
    cleanups.push(() => handle.close());
    client = new Client(handle.address, credentials.createInsecure());
    cleanups.push(() => client.close());

    const request = Buffer.from(
      SetWeightRequest.encode(
        SetWeightRequest.fromPartial({ rollout, config, desiredWeight: 40 }),
      ).finish(),
    );
    const set = await call(TrafficRouterService.setWeight.path, request, (b) =>
      SetWeightResponse.decode(b),
    );
    expect(set.error).toBeNull();
    expect(set.reply?.error).toBeUndefined();
    expect(seen).toEqual([40]);

    const check = healthService.Check;
    if (check === undefined) throw new Error("no health Check definition");
    const health = await call(
      check.path,
      check.requestSerialize({ service: "" }) as Buffer,
      check.responseDeserialize as (b: Buffer) => { status: string },
    );
    expect(health.error).toBeNull();
    expect(health.reply?.status).toBe("SERVING");

    const missing = await call(
      check.path,
      check.requestSerialize({ service: "no.such.Service" }) as Buffer,
      check.responseDeserialize as (b: Buffer) => { status: string },
    );
    expect(missing.error?.code).toBe(status.NOT_FOUND);

    const unknown = await call("/rollouts.plugin.v1.TrafficRouter/NoSuchMethod", request, (b) => b);
    expect(unknown.error?.code).toBe(status.UNIMPLEMENTED);

    // Watch is server-streaming: the first message is the current status.
    const watch = healthService.Watch;
    if (watch === undefined) throw new Error("no health Watch definition");
    const first = await new Promise<{ status: string }>((resolve, reject) => {
      const stream = client.makeServerStreamRequest(
        watch.path,
        watch.requestSerialize as (value: { service: string }) => Buffer,
        watch.responseDeserialize as (b: Buffer) => { status: string },
        { service: "" },
        new Metadata(),
        {},
      );
      stream.once("data", (message: { status: string }) => {
        resolve(message);
        stream.cancel();
      });
      stream.once("error", (error: ServiceError) => {
        if (error.code !== status.CANCELLED) reject(error);
      });
    });
    expect(first.status).toBe("SERVING");
  });

  it("serves the Calls stream to a standard bidirectional call, and ends it with OK after the client's end", async () => {
    // The same server as above; grpc-js plays a plugin caller written in another language.
    const stream = client.makeBidiStreamRequest(
      TrafficRouterService.calls.path,
      (value: CallsRequest) => Buffer.from(CallsRequest.encode(value).finish()),
      (bytes: Buffer) => CallsResponse.decode(bytes),
      new Metadata(),
      {},
    );
    const answers: CallsResponse[] = [];
    const ended = new Promise<number>((resolve) => {
      stream.on("data", (answer: CallsResponse) => answers.push(answer));
      stream.on("status", (s: { code: number }) => resolve(s.code));
      stream.on("error", () => undefined);
    });
    const setWeight = (weight: number) =>
      Buffer.from(
        SetWeightRequest.encode(
          SetWeightRequest.fromPartial({ rollout, config, desiredWeight: weight }),
        ).finish(),
      );
    stream.write(
      CallsRequest.fromPartial({
        id: 7,
        method: "SetWeight",
        request: setWeight(70),
        timeoutMs: 5_000,
      }),
    );
    stream.write(
      CallsRequest.fromPartial({ id: 8, method: "NoSuchMethod", request: setWeight(80) }),
    );
    stream.end();
    expect(await ended).toBe(status.OK);
    const byId = new Map(answers.map((answer) => [answer.id, answer]));
    expect(byId.get(7)?.code).toBe(status.OK);
    expect(SetWeightResponse.decode(byId.get(7)?.reply ?? new Uint8Array()).error).toBeUndefined();
    expect(byId.get(8)?.code).toBe(status.UNIMPLEMENTED);
    expect(answers).toHaveLength(2);
  });
});
