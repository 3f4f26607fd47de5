import { request as httpsRequest } from "node:https";

export interface WatchEvent {
  type: string;
  object: {
    metadata?: { name?: string; resourceVersion?: string; annotations?: Record<string, string> };
    code?: number;
    [key: string]: unknown;
  };
}

/** Opens a raw watch and collects its events until closed. */
export function openWatch(
  cluster: { url: string; caPem: string; token: string },
  path: string,
): {
  events: WatchEvent[];
  ended: Promise<void>;
  close(): void;
} {
  const events: WatchEvent[] = [];
  let close = (): void => undefined;
  const ended = new Promise<void>((resolve, reject) => {
    const req = httpsRequest(
      `${cluster.url}${path}`,
      { ca: cluster.caPem, headers: { authorization: `Bearer ${cluster.token}` } },
      (res) => {
        let buffer = "";
        res.setEncoding("utf8");
        res.on("data", (chunk: string) => {
          buffer += chunk;
          let newline = buffer.indexOf("\n");
          while (newline >= 0) {
            const line = buffer.slice(0, newline);
            buffer = buffer.slice(newline + 1);
            if (line.trim() !== "") events.push(JSON.parse(line) as WatchEvent);
            newline = buffer.indexOf("\n");
          }
        });
        res.on("end", () => resolve());
        res.on("close", () => resolve());
      },
    );
    req.on("error", (error) => (events.length > 0 ? resolve() : reject(error)));
    req.end();
    close = () => req.destroy();
  });
  return { events, ended, close: () => close() };
}
