// A reference point for the SDK figures: the same SetWeight call over plain grpc-js, with a
// handler that does nothing (no JSON decoding, no validation). The difference between this
// and the SDK rows is what the SDK itself costs per call.
import {
  Client,
  credentials,
  Metadata,
  Server,
  ServerCredentials,
  type ServiceError,
} from "@grpc/grpc-js";
import { SetWeightRequest, type SetWeightResponse, TrafficRouterService } from "@sluice/proto";

export async function serveRaw(listen: string): Promise<string> {
  const server = new Server();
  server.addService(TrafficRouterService, {
    setWeight: (_call: unknown, callback: (error: null, reply: SetWeightResponse) => void) =>
      callback(null, {}),
  });
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(listen, ServerCredentials.createInsecure(), (error, bound) =>
      error === null ? resolve(bound) : reject(error),
    ),
  );
  return listen.startsWith("unix:") ? listen : listen.replace(/:0$/, `:${port}`);
}

export function rawClient(
  address: string,
  request: Partial<SetWeightRequest>,
): {
  call: () => Promise<SetWeightResponse>;
  close: () => void;
} {
  const client = new Client(address, credentials.createInsecure());
  const method = TrafficRouterService.setWeight;
  const message = SetWeightRequest.fromPartial(request);
  const call = (): Promise<SetWeightResponse> =>
    new Promise((resolve, reject) => {
      client.makeUnaryRequest(
        method.path,
        method.requestSerialize,
        method.responseDeserialize,
        message,
        new Metadata(),
        { deadline: new Date(Date.now() + 5_000) },
        (error: ServiceError | null, reply?: SetWeightResponse) =>
          error === null && reply !== undefined ? resolve(reply) : reject(error),
      );
    });
  return { call, close: () => client.close() };
}
