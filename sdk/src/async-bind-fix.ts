// A Node 20 cost on every plugin call, and what the SDK does about it.
//
// node:http2 wraps each client request in `AsyncResource.prototype.bind`. On Node 20 that
// method attaches its deprecated `asyncResource` accessor (DEP0172) through util.deprecate,
// which calls Object.setPrototypeOf on two fresh functions per call. Each of those calls
// makes V8 create hidden classes in old space that point back at the request; a young
// collection cannot free anything reachable from old space, so every call's whole object
// graph (the HTTP/2 stream and the grpc-js call behind it, about 15 KB) is promoted and
// waits for a full collection. Measured over 10,000 sequential SetWeight calls (node
// --trace-gc on the client): about 3 MB promoted per young collection before, under 1 MB
// after; full collections fell from 8 to 2-3 and young-collection time by half or more.
// Node fixed the accessor in later lines (nodejs/node#58218): there the check below finds
// nothing to do.
//
// The replacement keeps the method's contract: same argument check (by delegating to the
// original), same `this` and arguments inside the async scope, `length` of the wrapped
// function, and an enumerable `asyncResource` accessor that still warns once with DEP0172.
import { AsyncResource } from "node:async_hooks";

const resourceKey = Symbol("sluice.boundAsyncResource");
type Bound = ((...args: unknown[]) => unknown) & { [resourceKey]?: unknown };

let warned = false;
function warnDeprecated(): void {
  if (warned) return;
  warned = true;
  process.emitWarning("The asyncResource property on bound functions is deprecated", {
    type: "DeprecationWarning",
    code: "DEP0172",
  });
}

// Shared accessors (not one closure pair per call): the resource lives on the function.
function getResource(this: Bound): unknown {
  warnDeprecated();
  return this[resourceKey];
}
function setResource(this: Bound, value: unknown): void {
  warnDeprecated();
  this[resourceKey] = value;
}

const resourceDescriptor: PropertyDescriptor = Object.freeze({
  configurable: true,
  enumerable: true,
  get: getResource,
  set: setResource,
});
const lengthDescriptor = Object.freeze({ configurable: true, enumerable: false, writable: false });

/** True when this Node's bind rewires prototypes per call (the Node 20 behaviour). */
export function bindRewiresPrototypes(): boolean {
  const probe = new AsyncResource("SluiceBindProbe").bind(() => undefined);
  const getter = Object.getOwnPropertyDescriptor(probe, "asyncResource")?.get;
  return getter !== undefined && Object.getPrototypeOf(getter) !== Function.prototype;
}

let installed = false;

/**
 * Replaces AsyncResource.prototype.bind for this process when (and only when) the running
 * Node has the costly version. Idempotent; returns whether the replacement is in place.
 */
export function installAsyncBindFix(): boolean {
  if (installed) return true;
  if (!bindRewiresPrototypes()) return false;
  const original = AsyncResource.prototype.bind;
  const replacement = function bind(this: AsyncResource, fn: unknown, thisArg?: unknown) {
    // Anything but a function gets the original's own error.
    if (typeof fn !== "function") return Reflect.apply(original, this, [fn, thisArg]);
    const resource = this;
    const target = fn as (...args: unknown[]) => unknown;
    let bound: Bound;
    if (thisArg === undefined) {
      bound = function bound(this: unknown, ...args: unknown[]): unknown {
        return resource.runInAsyncScope(target, this, ...args);
      };
    } else {
      bound = resource.runInAsyncScope.bind(resource, target, thisArg) as Bound;
    }
    // One shared descriptor and a plain symbol property: no per-call allocation beyond the
    // wrapper itself (node:http2's wrapped functions take no arguments, so length stays).
    if (bound.length !== target.length) {
      Object.defineProperty(bound, "length", { ...lengthDescriptor, value: target.length });
    }
    Object.defineProperty(bound, "asyncResource", resourceDescriptor);
    bound[resourceKey] = resource;
    return bound;
  };
  AsyncResource.prototype.bind = replacement as typeof original;
  installed = true;
  return true;
}
