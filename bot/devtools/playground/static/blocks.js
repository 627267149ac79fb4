// Block Kit renderer for messages and modals.
//
// ctx: {surface: "message"|"modal", onAction(action), onValue(blockId, actionId, value),
//       values: {blockId: {actionId: value}}, errors: {blockId: message},
//       loadOptions(blockId, actionId, query) -> Promise<options>, userName(id), channelName(id),
//       users: [{id, name}], channels: [{id, name}]}
// Actions and values use Slack's payload shapes, so the server can pass them on unchanged.

import { confirmDialog, h } from "./dom.js";
import { plainText, renderText, safeHref } from "./mrkdwn.js";

const LOOPBACK_IMAGE = /^https?:\/\/(127\.0\.0\.1|localhost)(:\d+)?\//i;

// One listener closes every open menu on an outside click.
document.addEventListener("click", () => document.querySelectorAll(".overflow-menu").forEach((m) => (m.hidden = true)));

export function renderBlocks(blocks, ctx) {
  return h("div", { class: "blocks" }, (blocks ?? []).map((block, i) => renderBlock(block, i, ctx)));
}

function renderBlock(block, index, ctx) {
  const blockId = block.block_id ?? `auto-${index}`;
  const text = (obj) => renderText(obj, ctx);
  const wrap = (cls, ...children) => h("div", { class: `block ${cls}`, dataset: { blockId } }, ...children);
  switch (block.type) {
    case "header":
      return wrap("header", h("h3", {}, text(block.text)));
    case "divider":
      return wrap("divider", h("hr"));
    case "section":
      return wrap(
        "section",
        h(
          "div",
          { class: "section-main" },
          block.text && h("div", { class: "section-text" }, text(block.text)),
          block.fields && h("div", { class: "fields" }, block.fields.map((f) => h("div", { class: "field" }, text(f)))),
        ),
        block.accessory && h("div", { class: "accessory" }, renderElement(block.accessory, blockId, ctx, true)),
      );
    case "context":
      return wrap(
        "context",
        (block.elements ?? []).map((el) => (el.type === "image" ? renderImage(el, "context-image") : text(el))),
      );
    case "actions":
      return wrap("actions", (block.elements ?? []).map((el) => renderElement(el, blockId, ctx, true)));
    case "image":
      return wrap("image", block.title && h("div", { class: "image-title" }, text(block.title)), renderImage(block, "image-large"));
    case "input":
      return renderInput(block, blockId, ctx);
    default:
      return wrap("unknown", h("span", { class: "muted" }, `[${block.type} block]`));
  }
}

function renderInput(block, blockId, ctx) {
  const error = ctx.errors?.[blockId];
  const actionId = block.element?.action_id;
  const field = renderElement(block.element, blockId, ctx, Boolean(block.dispatch_action));
  return h(
    "div",
    { class: `block input${error ? " has-error" : ""}`, dataset: { blockId } },
    h("label", { class: "input-label", for: `in-${blockId}-${actionId}` }, plainText(block.label),
      block.optional && h("span", { class: "optional" }, " (optional)")),
    field,
    error && h("div", { class: "field-error", role: "alert" }, error),
    // As in Slack, an error takes the hint's place (the two never repeat each other).
    block.hint && h("div", { class: "hint", hidden: Boolean(error) }, renderText(block.hint, ctx)),
  );
}

function renderImage(el, cls) {
  // Only loopback images load, so the playground never reaches outside this machine.
  if (LOOPBACK_IMAGE.test(el.image_url ?? "")) return h("img", { class: cls, src: el.image_url, alt: el.alt_text ?? "" });
  return h("span", { class: `${cls} image-placeholder`, title: el.image_url ?? "", role: "img", "aria-label": el.alt_text ?? "" }, "🖼");
}

// `dispatch`: whether a change is sent to the app as block_actions right away.
function renderElement(el, blockId, ctx, dispatch) {
  const ids = { action_id: el.action_id, block_id: blockId };
  const current = ctx.values?.[blockId]?.[el.action_id];
  // Values are recorded on every change; block_actions go out only when Slack would send them.
  const emit = (value, send = true) => {
    ctx.onValue?.(blockId, el.action_id, value);
    if (send && (dispatch || ctx.surface === "message")) ctx.onAction?.({ ...value, ...ids });
  };
  const withConfirm = async (action) => {
    if (el.confirm && !(await confirmDialog(el.confirm, plainText, (t) => renderText(t, ctx)))) return;
    ctx.onAction?.({ ...action, ...ids });
  };
  const dataset = { actionId: el.action_id ?? "", blockId };
  const inputId = `in-${blockId}-${el.action_id}`;
  const placeholder = plainText(el.placeholder);
  switch (el.type) {
    case "button":
      return h(
        "button",
        { class: `btn ${el.style ?? ""}`, dataset, title: el.url ?? undefined, onclick: () => {
          // Slack opens a link button's URL and still sends the action
          const href = el.url && safeHref(el.url);
          if (href) window.open(href, "_blank", "noopener");
          withConfirm({ type: "button", value: el.value, text: el.text });
        } },
        renderText(el.text, ctx),
      );
    case "overflow":
      return overflowMenu(el, dataset, (option) => withConfirm({ type: "overflow", selected_option: option }), ctx);
    case "static_select":
    case "users_select":
    case "conversations_select":
    case "channels_select":
      return selectElement(el, { dataset, id: inputId, placeholder, current, emit }, ctx);
    case "external_select":
      return externalSelect(el, { dataset, id: inputId, placeholder, current, emit, blockId }, ctx);
    case "multi_static_select":
    case "multi_external_select":
      return multiSelect(el, { dataset, id: inputId, placeholder, current, emit, blockId }, ctx);
    case "datepicker":
      return h("input", {
        type: "date", class: "control", id: inputId, dataset,
        value: current ? current.selected_date ?? "" : el.initial_date ?? "",
        onchange: (e) => emit({ type: "datepicker", selected_date: e.target.value || null }),
      });
    case "timepicker":
      return h("input", {
        type: "time", class: "control", id: inputId, dataset,
        value: current ? current.selected_time ?? "" : el.initial_time ?? "",
        onchange: (e) => emit({ type: "timepicker", selected_time: e.target.value || null }),
      });
    case "datetimepicker": {
      // Slack sends seconds since the epoch; the browser's picker works in local time.
      const seconds = current ? current.selected_date_time : el.initial_date_time;
      const local = seconds ? new Date(seconds * 1000 - new Date().getTimezoneOffset() * 60000) : null;
      return h("input", {
        type: "datetime-local", class: "control", id: inputId, dataset,
        value: local ? local.toISOString().slice(0, 16) : "",
        onchange: (e) => emit({
          type: "datetimepicker",
          selected_date_time: e.target.value ? Math.floor(new Date(e.target.value).getTime() / 1000) : null,
        }),
      });
    }
    case "checkboxes":
    case "radio_buttons":
      return choiceGroup(el, { dataset, current, emit }, ctx);
    case "plain_text_input":
    case "number_input":
    case "email_text_input":
    case "url_text_input":
      return textInput(el, { dataset, id: inputId, placeholder, current, emit, dispatch });
    case "image":
      return renderImage(el, "accessory-image");
    default:
      return h("span", { class: "muted" }, `[${el.type}]`);
  }
}

function textInput(el, { dataset, id, placeholder, current, emit, dispatch }) {
  const kinds = { number_input: "number", email_text_input: "email", url_text_input: "url" };
  const value = current ? current.value ?? "" : el.initial_value ?? "";
  const attrs = { class: "control", id, dataset, placeholder, value };
  if (el.type === "number_input") Object.assign(attrs, { min: el.min_value, max: el.max_value, step: el.is_decimal_allowed ? "any" : "1", inputmode: "decimal" });
  if (el.max_length) attrs.maxlength = el.max_length;
  const state = () => ({ type: el.type, value: input.value === "" ? null : input.value });
  attrs.oninput = () => emit(state(), false);
  attrs.onchange = () => emit(state());
  attrs.onkeydown = (e) => {
    if (e.key === "Enter" && !el.multiline) {
      e.preventDefault();
      input.blur(); // fires "change", which dispatches when the block asks for it
    }
  };
  const input = el.multiline
    ? h("textarea", { ...attrs, rows: 3 })
    : h("input", { ...attrs, type: kinds[el.type] ?? "text", novalidate: true });
  if (el.multiline) input.value = value;
  return input;
}

function optionsOf(el, ctx) {
  if (el.type === "users_select") return (ctx.users ?? []).map((u) => ({ text: { type: "plain_text", text: u.name }, value: u.id }));
  if (el.type !== "static_select") return (ctx.channels ?? []).map((c) => ({ text: { type: "plain_text", text: c.label ?? c.name }, value: c.id }));
  return el.options ?? [];
}

const SELECTED_KEY = { users_select: "selected_user", conversations_select: "selected_conversation", channels_select: "selected_channel" };

function selectElement(el, { dataset, id, placeholder, current, emit }, ctx) {
  const flat = [];
  const optionEl = (option) => h("option", { value: String(flat.push(option) - 1) }, plainText(option.text));
  const children = el.option_groups
    ? el.option_groups.map((g) => h("optgroup", { label: plainText(g.label) }, g.options.map(optionEl)))
    : optionsOf(el, ctx).map(optionEl);
  const select = h("select", { class: "control", id, dataset }, h("option", { value: "" }, placeholder || "Choose an option"), children);
  const key = SELECTED_KEY[el.type];
  const initial = key ? { value: el[`initial_${key.slice(9)}`] } : el.initial_option;
  const chosen = current ? (key ? { value: current[key] } : current.selected_option) : initial;
  const at = chosen ? flat.findIndex((o) => o.value === chosen.value) : -1;
  select.value = at >= 0 ? String(at) : "";
  select.addEventListener("change", () => {
    const option = flat[Number(select.value)] ?? null;
    if (key) emit({ type: el.type, [key]: option?.value ?? null });
    else emit({ type: el.type, selected_option: option && { text: option.text, value: option.value } });
  });
  return select;
}

// Options typed for in an external select come from the app (block_suggestion).
function suggestions(el, input, ctx, blockId, pick) {
  const list = h("ul", { class: "menu suggestions", hidden: true });
  let seq = 0;
  const load = async () => {
    const mine = ++seq;
    if (input.value.length < (el.min_query_length ?? 3)) {
      list.hidden = true;
      return;
    }
    const options = await ctx.loadOptions(blockId, el.action_id, input.value);
    if (mine !== seq) return; // a newer query already went out
    list.replaceChildren(...options.map((o) => h("li", { role: "option", onmousedown: (e) => {
      e.preventDefault();
      list.hidden = true;
      pick({ text: o.text, value: o.value });
    } }, plainText(o.text))));
    list.hidden = options.length === 0;
  };
  input.addEventListener("input", load);
  input.addEventListener("focus", load);
  input.addEventListener("blur", () => (list.hidden = true));
  return list;
}

function externalSelect(el, { dataset, id, placeholder, current, emit, blockId }, ctx) {
  const chosen = current ? current.selected_option : el.initial_option;
  const input = h("input", { class: "control", id, dataset, placeholder: placeholder || "Type to search", autocomplete: "off",
    value: chosen ? plainText(chosen.text) : "" });
  const list = suggestions(el, input, ctx, blockId, (option) => {
    input.value = plainText(option.text);
    emit({ type: "external_select", selected_option: option });
  });
  return h("div", { class: "external-select" }, input, list);
}

// multi_static_select / multi_external_select: chosen options as removable chips.
function multiSelect(el, { dataset, id, placeholder, current, emit, blockId }, ctx) {
  let chosen = [...(current ? current.selected_options ?? [] : el.initial_options ?? [])];
  const chips = h("span", { class: "chips" });
  const external = el.type === "multi_external_select";
  const adder = external
    ? h("input", { class: "control", id, placeholder: placeholder || "Type to search", autocomplete: "off" })
    : h("select", { class: "control", id });
  let offered = [];
  const draw = () => {
    chips.replaceChildren(...chosen.map((option) => h("span", { class: "chip" }, plainText(option.text),
      h("button", { type: "button", class: "chip-remove", "aria-label": `Remove ${plainText(option.text)}`,
        onclick: () => change(chosen.filter((c) => c.value !== option.value)) }, "×"))));
    if (external) return;
    offered = [...(el.options ?? []), ...(el.option_groups ?? []).flatMap((g) => g.options)]
      .filter((o) => !chosen.some((c) => c.value === o.value));
    adder.replaceChildren(h("option", { value: "" }, placeholder || "Add…"),
      ...offered.map((o, i) => h("option", { value: String(i) }, plainText(o.text))));
  };
  const change = (next) => {
    chosen = next;
    emit({ type: el.type, selected_options: chosen.map(({ text, value }) => ({ text, value })) });
    draw();
  };
  const add = (option) => chosen.some((c) => c.value === option.value) || change([...chosen, option]);
  if (external) {
    const list = suggestions(el, adder, ctx, blockId, (option) => {
      adder.value = "";
      add(option);
    });
    draw();
    return h("div", { class: "multi-select", dataset }, chips, h("div", { class: "external-select" }, adder, list));
  }
  adder.addEventListener("change", () => offered[Number(adder.value)] && add(offered[Number(adder.value)]));
  draw();
  return h("div", { class: "multi-select", dataset }, chips, adder);
}

function choiceGroup(el, { dataset, current, emit }, ctx) {
  const multi = el.type === "checkboxes";
  const initial = multi ? el.initial_options ?? [] : el.initial_option ? [el.initial_option] : [];
  const chosen = current ? (multi ? current.selected_options ?? [] : current.selected_option ? [current.selected_option] : []) : initial;
  const name = `${dataset.blockId}-${el.action_id}`;
  const inputs = [];
  const update = () => {
    const picked = el.options.filter((_, i) => inputs[i].checked).map(({ text, value }) => ({ text, value }));
    emit(multi ? { type: el.type, selected_options: picked } : { type: el.type, selected_option: picked[0] ?? null });
  };
  return h(
    "div",
    { class: "choices", dataset },
    el.options.map((option) => {
      const input = h("input", { type: multi ? "checkbox" : "radio", name, value: option.value,
        checked: chosen.some((c) => c.value === option.value), onchange: update });
      inputs.push(input);
      return h("label", { class: "choice" }, input, h("span", {}, renderText(option.text, ctx),
        option.description && h("span", { class: "choice-description" }, renderText(option.description, ctx))));
    }),
  );
}

function overflowMenu(el, dataset, choose, ctx) {
  const menu = h("ul", { class: "menu overflow-menu", hidden: true });
  const toggle = h("button", { class: "btn overflow", dataset, "aria-label": "More actions", onclick: (e) => {
    e.stopPropagation();
    menu.hidden = !menu.hidden;
  } }, "⋯");
  menu.append(...el.options.map((option) => h("li", { role: "menuitem", onclick: () => {
    menu.hidden = true;
    choose({ text: option.text, value: option.value });
  } }, renderText(option.text, ctx))));
  return h("span", { class: "overflow-wrap" }, toggle, menu);
}
