import { AsyncLocalStorage, AsyncResource, executionAsyncId } from "node:async_hooks";
import { describe, expect, it } from "vitest";
import { bindRewiresPrototypes, installAsyncBindFix } from "./async-bind-fix.js";

// Whatever Node does natively, after installAsyncBindFix a bound function must behave as
// the documented AsyncResource.bind: run inside the resource's scope, keep `this` and the
// arguments, and expose `length` and the (deprecated) `asyncResource` accessor.
describe("installAsyncBindFix", () => {
  const costlyBefore = bindRewiresPrototypes();
  const installed = installAsyncBindFix();

  it("replaces bind only where Node rewires prototypes, and then no longer does", () => {
    expect(installed).toBe(costlyBefore);
    expect(bindRewiresPrototypes()).toBe(false);
    expect(installAsyncBindFix()).toBe(installed);
  });

  it("runs the function in the resource's async scope with this and arguments", () => {
    const storage = new AsyncLocalStorage<string>();
    const resource = storage.run("captured", () => new AsyncResource("Test"));
    const bound = resource.bind(function (this: unknown, a: number, b: number) {
      return { store: storage.getStore(), id: executionAsyncId(), self: this, sum: a + b };
    });
    const receiver = { name: "receiver" };
    const result = storage.run("caller", () => bound.call(receiver, 2, 3));
    expect(result).toEqual({ store: "captured", id: resource.asyncId(), self: receiver, sum: 5 });
  });

  it("binds an explicit thisArg", () => {
    const resource = new AsyncResource("Test");
    const owner = { value: 7 };
    // The typings only declare bind(fn); Node's bind also takes thisArg.
    const bindWithThis = resource.bind as (fn: () => number, thisArg: unknown) => () => number;
    const bound = bindWithThis.call(
      resource,
      function (this: { value: number }) {
        return this.value;
      },
      owner,
    );
    expect(bound()).toBe(7);
  });

  it("keeps length and the asyncResource accessor, which warns with DEP0172", async () => {
    const warning = new Promise<Error>((resolve) => process.once("warning", resolve));
    const resource = new AsyncResource("Test");
    const bound = resource.bind((_a: number, _b: string) => undefined);
    expect(bound.length).toBe(2);
    expect(Object.keys(bound)).toContain("asyncResource");
    expect((bound as unknown as { asyncResource: unknown }).asyncResource).toBe(resource);
    expect(await warning).toMatchObject({ name: "DeprecationWarning", code: "DEP0172" });
  });

  it("rejects a non-function with Node's own error", () => {
    const resource = new AsyncResource("Test");
    expect(() => resource.bind(42 as unknown as () => void)).toThrow(
      expect.objectContaining({ code: "ERR_INVALID_ARG_TYPE" }),
    );
  });
});
