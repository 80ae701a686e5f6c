// <onramp-checklist>: the signed-in member's Onramp onboarding checklist,
// for a customer's own pages. No framework, no dependency, no request but
// to the Onramp API this file was served from (or the element's api-base).
//
//   <script src="https://onramp.example.com/sdk/onramp-checklist.js" defer></script>
//   <onramp-checklist></onramp-checklist>
//   <script>
//     document.querySelector("onramp-checklist").tokenProvider = async () => myAccessToken();
//   </script>
//
// The host page keeps the member's access token; the element asks for it
// (tokenProvider, sync or async) before every request and never stores it.
// Steps come in the member's language from the API; the element's own
// words follow its lang attribute (or the page's), in English or French.
// Look: CSS custom properties (--onramp-accent, --onramp-text,
// --onramp-muted, --onramp-background, --onramp-border, --onramp-radius,
// --onramp-font) and ::part(container | header | title | progress | list |
// step | step-completed | step-title | step-description | step-status |
// complete-button | dismiss-button | message).
// Events: "onramp-checklist-change" (detail: the checklist),
// "onramp-checklist-dismiss", "onramp-checklist-error".
(() => {
  "use strict";
  if (typeof customElements === "undefined" || customElements.get("onramp-checklist")) return;

  // Where this file came from is where the API is, unless api-base says.
  const servedFrom = (() => {
    try { return new URL(document.currentScript.src).origin; } catch (_) { return ""; }
  })();

  const words = {
    en: {
      title: "Getting started",
      progress: (done, total) => `${done} of ${total} done`,
      complete: "Mark as done",
      completeLabel: (step) => `Mark “${step}” as done`,
      completed: "Done",
      skipped: "Skipped",
      pending: "To do",
      dismiss: "Dismiss",
      dismissLabel: "Dismiss the checklist",
      loading: "Loading…",
      loadError: "The checklist could not be loaded.",
      saveError: "That did not work. Please try again.",
      saved: (step) => `“${step}” is done.`,
    },
    fr: {
      title: "Pour bien démarrer",
      progress: (done, total) => `${done} sur ${total} terminée${done > 1 ? "s" : ""}`,
      complete: "Marquer comme fait",
      completeLabel: (step) => `Marquer « ${step} » comme fait`,
      completed: "Fait",
      skipped: "Ignorée",
      pending: "À faire",
      dismiss: "Masquer",
      dismissLabel: "Masquer la liste",
      loading: "Chargement…",
      loadError: "La liste n’a pas pu être chargée.",
      saveError: "Cela n’a pas fonctionné. Veuillez réessayer.",
      saved: (step) => `« ${step} » est fait.`,
    },
  };

  const style = `
    :host { display: block; font: var(--onramp-font, inherit); color: var(--onramp-text, #1f2328); }
    :host([hidden]) { display: none; }
    [part~="container"] { background: var(--onramp-background, #fff); border: 1px solid var(--onramp-border, #d0d7de);
      border-radius: var(--onramp-radius, 8px); padding: 1rem 1.25rem; }
    [part~="header"] { display: flex; align-items: center; justify-content: space-between; gap: 1rem; }
    [part~="title"] { font-size: 1.1em; margin: 0; }
    [part~="progress"] { margin: .75rem 0; color: var(--onramp-muted, #57606a); font-size: .9em; }
    .bar { height: .4rem; border-radius: .2rem; background: var(--onramp-border, #d0d7de); overflow: hidden; margin-bottom: .3rem; }
    .bar > span { display: block; height: 100%; background: var(--onramp-accent, #0969da); }
    [part~="list"] { list-style: none; margin: 0; padding: 0; }
    [part~="step"] { display: flex; gap: .75rem; align-items: flex-start; padding: .6rem 0; border-top: 1px solid var(--onramp-border, #d0d7de); }
    [part~="step"]:focus { outline: 2px solid var(--onramp-accent, #0969da); outline-offset: 2px; }
    [part~="step-status"] { flex: none; width: 1.4em; height: 1.4em; border-radius: 50%; border: 2px solid var(--onramp-border, #d0d7de);
      display: inline-flex; align-items: center; justify-content: center; font-size: .8em; }
    [part~="step-completed"] [part~="step-status"] { background: var(--onramp-accent, #0969da); border-color: var(--onramp-accent, #0969da); color: #fff; }
    .body { flex: 1; min-width: 0; }
    [part~="step-title"] { font-weight: 600; }
    [part~="step-completed"] [part~="step-title"] { text-decoration: line-through; color: var(--onramp-muted, #57606a); }
    [part~="step-description"] { margin: .2rem 0 0; color: var(--onramp-muted, #57606a); font-size: .9em; }
    button { font: inherit; cursor: pointer; border-radius: var(--onramp-radius, 8px); padding: .3rem .7rem; }
    [part~="complete-button"] { flex: none; background: var(--onramp-accent, #0969da); color: #fff; border: 1px solid var(--onramp-accent, #0969da); }
    [part~="dismiss-button"] { background: transparent; color: var(--onramp-muted, #57606a); border: 1px solid var(--onramp-border, #d0d7de); }
    button:focus-visible { outline: 2px solid var(--onramp-accent, #0969da); outline-offset: 2px; }
    button[disabled] { opacity: .6; cursor: progress; }
    [part~="message"] { margin: .5rem 0 0; font-size: .9em; min-height: 1em; }
    .visually-hidden { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); clip-path: inset(50%); white-space: nowrap; }
  `;

  // el builds an element with attributes and children (text is always set
  // as text, never parsed as HTML: step titles are the PM's input).
  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attrs || {})) {
      if (value !== null && value !== undefined && value !== false) node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children) {
      if (child !== null && child !== undefined) node.append(child);
    }
    return node;
  }

  class OnrampChecklist extends HTMLElement {
    static get observedAttributes() { return ["api-base", "lang"]; }

    constructor() {
      super();
      this._root = this.attachShadow({ mode: "open" });
      this._checklist = null;
      this._busy = false;
      this._message = "";
      this._error = false;
      // A page may set tokenProvider before this file is loaded: keep it.
      if (Object.prototype.hasOwnProperty.call(this, "tokenProvider")) {
        const provider = this.tokenProvider;
        delete this.tokenProvider;
        this._tokenProvider = provider;
      }
    }

    get tokenProvider() { return this._tokenProvider; }
    set tokenProvider(fn) {
      this._tokenProvider = fn;
      if (this.isConnected) this.refresh();
    }

    connectedCallback() {
      this._render();
      if (this._tokenProvider) this.refresh();
    }

    attributeChangedCallback() {
      if (this.isConnected) this._render();
    }

    get _words() {
      const lang = (this.getAttribute("lang") || this.closest("[lang]")?.getAttribute("lang") || navigator.language || "en").toLowerCase();
      return lang.startsWith("fr") ? words.fr : words.en;
    }

    get _base() { return (this.getAttribute("api-base") || servedFrom).replace(/\/+$/, ""); }

    async _call(method, path) {
      if (typeof this._tokenProvider !== "function") throw new Error("onramp-checklist: set element.tokenProvider to a function returning an access token");
      const token = await this._tokenProvider();
      const res = await fetch(this._base + path, {
        method,
        mode: "cors",
        credentials: "omit",
        headers: { Authorization: "Bearer " + token, Accept: "application/json" },
      });
      if (!res.ok) throw new Error(`onramp-checklist: ${method} ${path} answered ${res.status}`);
      return res.json();
    }

    // refresh reloads the checklist.
    async refresh() {
      try {
        this._show(await this._call("GET", "/v1/onboarding/checklist"), "");
      } catch (err) {
        this._fail(err, this._words.loadError);
      }
    }

    async _complete(step) {
      await this._write("POST", `/v1/onboarding/checklist/steps/${encodeURIComponent(step.key)}/complete`, this._words.saved(step.title), step.key);
    }

    async _dismiss() {
      await this._write("POST", "/v1/onboarding/checklist/dismiss", "", null);
      if (this._checklist && this._checklist.dismissed) this.dispatchEvent(new CustomEvent("onramp-checklist-dismiss", { bubbles: true, composed: true }));
    }

    async _write(method, path, done, focusKey) {
      if (this._busy) return;
      this._busy = true;
      this._render();
      try {
        const list = await this._call(method, path);
        this._busy = false;
        this._show(list, done);
        // The button just pressed is gone: keep the keyboard on its step.
        if (focusKey) this._root.querySelector(`li[data-key="${CSS.escape(focusKey)}"]`)?.focus();
      } catch (err) {
        this._busy = false;
        this._fail(err, this._words.saveError);
      }
    }

    _show(list, message) {
      this._checklist = list;
      this._message = message;
      this._error = false;
      this.hidden = !!list.dismissed;
      this._render();
      this.dispatchEvent(new CustomEvent("onramp-checklist-change", { detail: list, bubbles: true, composed: true }));
    }

    _fail(err, message) {
      this._message = message;
      this._error = true;
      this._render();
      this.dispatchEvent(new CustomEvent("onramp-checklist-error", { detail: err, bubbles: true, composed: true }));
    }

    _render() {
      const w = this._words;
      const list = this._checklist;
      const title = el("h2", { part: "title", id: "onramp-checklist-title" }, this.getAttribute("heading") || w.title);
      const header = el("div", { part: "header" }, title);
      const section = el("section", { part: "container", "aria-labelledby": "onramp-checklist-title", "aria-busy": this._busy || !list ? "true" : "false" }, header);
      if (list) {
        const dismiss = el("button", { type: "button", part: "dismiss-button", "aria-label": w.dismissLabel, disabled: this._busy }, w.dismiss);
        dismiss.addEventListener("click", () => this._dismiss());
        header.append(dismiss);
        const label = w.progress(list.completed, list.total);
        section.append(el("div", { part: "progress", role: "progressbar", "aria-valuemin": 0, "aria-valuemax": 100, "aria-valuenow": list.percent, "aria-valuetext": label },
          el("div", { class: "bar" }, el("span", { style: `width:${Math.max(0, Math.min(100, Number(list.percent) || 0))}%` })),
          el("span", { "aria-hidden": "true" }, label)));
        const items = el("ul", { part: "list" });
        for (const step of list.steps) items.append(this._step(step));
        section.append(items);
      } else if (!this._error) {
        section.append(el("p", { part: "message" }, w.loading));
      }
      section.append(el("p", { part: "message", role: this._error ? "alert" : "status", "aria-live": "polite" }, this._message));
      this._root.replaceChildren(el("style", {}, style), section);
    }

    _step(step) {
      const w = this._words;
      const done = step.status === "completed";
      const state = done ? w.completed : step.status === "skipped" ? w.skipped : w.pending;
      const item = el("li", { part: done ? "step step-completed" : "step", "data-key": step.key, "data-status": step.status, tabindex: "-1" },
        el("span", { part: "step-status", "aria-hidden": "true" }, done ? "✓" : ""),
        el("div", { class: "body" },
          el("span", { part: "step-title" }, step.title),
          el("span", { class: "visually-hidden" }, ` (${state})`),
          step.description ? el("p", { part: "step-description" }, step.description) : null));
      if (step.type === "manual" && step.status === "pending") {
        const button = el("button", { type: "button", part: "complete-button", "aria-label": w.completeLabel(step.title), disabled: this._busy }, w.complete);
        button.addEventListener("click", () => this._complete(step));
        item.append(button);
      }
      return item;
    }
  }

  customElements.define("onramp-checklist", OnrampChecklist);
})();
