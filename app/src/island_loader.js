// Loads the page's islands, and only on a page that has some.
//
// Run as a module script, so after the document is parsed: every island the
// server rendered is in the DOM. A page whose only island is HydrationMark
// (the booking page's month, the dashboard) needs no JS or WASM, and is ready
// as sent. Otherwise the WASM module is loaded and each island hydrated in
// document order, parents before the islands inside them, as Leptos's own
// island script does; HydrationMark, last, then marks the page hydrated.
((scriptUrl, wasmUrl) => {
  const app = document.querySelector(".app");
  const islands = [...document.querySelectorAll("leptos-island")];
  if (islands.every((island) => island.dataset.component.startsWith("HydrationMark_"))) {
    app?.setAttribute("data-hydrated", "true");
    return;
  }
  // An island's children (`<leptos-children>`) hydrate with the island
  // around them, through the callback that island left on the element.
  const childrenCallbacks = [];
  async function hydrateIsland(module, element, id) {
    const hydrateFn = module[id];
    if (!hydrateFn) {
      console.warn(`No WASM function for the island ${id}.`);
      return;
    }
    childrenCallbacks.at(-1)?.();
    await hydrateFn(element);
  }
  async function walk(module, node) {
    const tag = node.tagName.toLowerCase();
    if (tag === "leptos-island") {
      await hydrateIsland(module, node, node.dataset.component);
    } else if (tag === "leptos-children") {
      childrenCallbacks.push(node.$$on_hydrate);
    }
    for (const child of node.children) {
      await walk(module, child);
    }
    if (tag === "leptos-children") {
      childrenCallbacks.pop();
    }
  }
  import(scriptUrl).then(async (module) => {
    await module.default({ module_or_path: wasmUrl });
    module.hydrate();
    window.__hydrateIsland = (element, id) => hydrateIsland(module, element, id);
    await walk(module, document.body);
  });
})
