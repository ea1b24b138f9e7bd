/* The on-screen pads: letters (pinyin search), code (letters and digits,
   ticket numbers and appointment codes), pin (digits) and digits (the
   pickup code, laid out like a phone). A pad only calls
   back; the page decides what a key does to its input. */
"use strict";
(function () {
  const LAYOUTS = {
    letters: ["QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"],
    code: ["1234567890", "QWERTYUIOP", "ASDFGHJKL", "ZXCVBNM"],
    number: ["ABCDEFGHJ", "123", "456", "789", "0"],
    pin: ["123", "456", "789", "0"],
    digits: ["123", "456", "789"], // the last row is clear, 0, delete (a phone's layout)
  };

  HQ.pad = function (container, options) {
    const h = HQ.h;
    const layout = options.layout || "letters";
    const key = (ch) => h("button", {
      type: "button", class: "pad-key", dataset: { key: ch.toLowerCase() },
      onclick: () => options.onKey(layout === "letters" ? ch.toLowerCase() : ch),
    }, ch);
    const rows = (options.rows || LAYOUTS[layout]).map((row) => h("div", { class: "pad-row" }, Array.from(row).map(key)));
    const controls = h("div", { class: "pad-row pad-controls" },
      h("button", { type: "button", class: "pad-key pad-wide", dataset: { key: "clear" },
                    onclick: () => options.onClear() }, h("span", { "data-t": "clear" }, HQ.t("clear"))),
      layout === "digits" ? key("0") : null,
      h("button", { type: "button", class: "pad-key pad-wide", dataset: { key: "delete" },
                    onclick: () => options.onDelete() }, "⌫ ", h("span", { "data-t": "delete" }, HQ.t("delete"))));
    HQ.fill(container, h("div", { class: "pad pad-" + layout }, rows, controls));
  };

  /* Wire a pad to a text input: keys append, delete/clear edit, onChange after each. */
  HQ.padFor = function (container, input, layout, onChange, rows) {
    const changed = () => { if (onChange) onChange(input.value); };
    HQ.pad(container, {
      layout, rows,
      onKey: (ch) => { input.value += ch; changed(); },
      onDelete: () => { input.value = input.value.slice(0, -1); changed(); },
      onClear: () => { input.value = ""; changed(); },
    });
  };
})();
