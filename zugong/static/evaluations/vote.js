// 测评投票 (the public voting page), no inline script: one subject per screen with 上一个/下一个 and 提交 on the
// last; the required items of a screen are checked before moving on; a multiple choice stops at its maximum;
// the draft is kept on this phone only (localStorage, under the key in data-draft-key) and restored on load;
// a page with data-vote-clear (投票成功, or a code that can no longer vote) removes that draft.
// Without JavaScript every subject shows and the form submits as it is.
(function () {
  "use strict";

  var each = function (list, fn) { Array.prototype.forEach.call(list, fn); };

  function storage() {
    try { return window.localStorage; } catch (e) { return null; }  // private mode, blocked storage
  }

  function clearDrafts() {
    var store = storage();
    if (!store) { return; }
    each(document.querySelectorAll("[data-vote-clear]"), function (node) {
      var key = node.getAttribute("data-vote-clear");
      if (key) { try { store.removeItem(key); } catch (e) { /* nothing to do */ } }
    });
  }

  function Ballot(form) {
    this.form = form;
    this.key = form.getAttribute("data-draft-key");
    this.sections = form.querySelectorAll("section.vote-subject");
    this.progress = document.getElementById("vote-progress-bar");
    this.prev = document.getElementById("vote-prev");
    this.next = document.getElementById("vote-next");
    this.submit = document.getElementById("vote-submit");
    this.check = document.getElementById("vote-check");
    this.current = 0;
  }

  // ---- the draft ----------------------------------------------------------------------------------------

  Ballot.prototype.fields = function () {
    var out = {};
    each(this.form.elements, function (el) {
      var name = el.name;
      if (!name || name === "csrfmiddlewaretoken" || el.type === "submit" || el.type === "button") { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        if (!out[name]) { out[name] = []; }
        if (el.checked) { out[name].push(el.value); }
      } else {
        out[name] = el.value ? [el.value] : [];
      }
    });
    return out;
  };

  Ballot.prototype.save = function () {
    var store = storage();
    if (!store || !this.key) { return; }
    try {
      store.setItem(this.key, JSON.stringify({ v: 1, step: this.current, fields: this.fields() }));
    } catch (e) { /* storage full or refused: the form still works */ }
  };

  Ballot.prototype.load = function () {
    var store = storage();
    if (!store || !this.key) { return null; }
    try {
      var draft = JSON.parse(store.getItem(this.key) || "null");
      return draft && draft.v === 1 && draft.fields ? draft : null;
    } catch (e) { return null; }
  };

  Ballot.prototype.restore = function (draft) {
    var fields = draft.fields;
    each(this.form.elements, function (el) {
      var name = el.name;
      if (!name || !Object.prototype.hasOwnProperty.call(fields, name)) { return; }
      var values = fields[name];
      if (!Array.isArray(values)) { return; }
      if (el.type === "radio" || el.type === "checkbox") {
        el.checked = values.indexOf(el.value) !== -1;
      } else if (el.tagName === "TEXTAREA" || el.type === "number" || el.type === "text") {
        el.value = values.length ? String(values[0]) : "";
      }
    });
  };

  // ---- multiple choice and rating -----------------------------------------------------------------------

  Ballot.prototype.limit = function (group) {
    var most = parseInt(group.getAttribute("data-max"), 10);
    if (!most) { return; }
    var boxes = group.querySelectorAll("input[type=checkbox]");
    var chosen = group.querySelectorAll("input[type=checkbox]:checked").length;
    each(boxes, function (box) { box.disabled = !box.checked && chosen >= most; });
  };

  Ballot.prototype.limitAll = function () {
    var self = this;
    each(this.form.querySelectorAll("[data-kind=multiple][data-max]"), function (g) { self.limit(g); });
  };

  Ballot.prototype.syncRanges = function () {
    each(this.form.querySelectorAll("input[data-range-for]"), function (range) {
      var number = document.getElementById(range.getAttribute("data-range-for"));
      if (number && number.value) { range.value = number.value; }
    });
  };

  // ---- checking a screen --------------------------------------------------------------------------------

  function answered(item) {
    var kind = item.getAttribute("data-kind");
    if (kind === "text" || kind === "rating") {
      var field = item.querySelector("textarea, input[type=number]");
      if (!field || !field.value.trim()) { return false; }
      if (kind === "rating") {
        var n = Number(field.value);
        return /^[0-9]+$/.test(field.value.trim()) && n >= Number(field.min) && n <= Number(field.max);
      }
      return true;
    }
    return item.querySelector("input:checked") !== null;
  }

  // The first required item left unanswered in a screen, or null.
  function missingIn(section) {
    var missing = null;
    each(section.querySelectorAll("[data-item]"), function (item) {
      var bad = item.hasAttribute("data-required") && !answered(item);
      if (item.getAttribute("data-kind") === "rating" && !bad) {
        var field = item.querySelector("input[type=number]");
        bad = field && field.value.trim() !== "" && !answered(item);  // an optional rating out of range
      }
      item.classList.toggle("is-missing", !!bad);
      if (bad && !missing) { missing = item; }
    });
    return missing;
  }

  Ballot.prototype.say = function (text) {
    if (!this.check) { return; }
    this.check.textContent = text;
    this.check.classList.toggle("d-none", !text);
  };

  // After a refused 下一个 or 提交: the message follows the answers (the next gap, or gone).
  Ballot.prototype.recheck = function () {
    if (!this.check || this.check.classList.contains("d-none")) { return; }
    var section = this.sections[this.current];
    var missing = missingIn(section);
    if (missing) { this.complain(section, missing, true); } else { this.say(""); }
  };

  Ballot.prototype.complain = function (section, item, quiet) {
    var name = section.querySelector(".vote-subject-name");
    var label = item.getAttribute("data-label");
    var kind = item.getAttribute("data-kind");
    var what = kind === "rating" || kind === "text" ? "请填写对“" : "请完成对“";
    this.say(what + (name ? name.textContent.trim() : "") + "”的“" + label + "”。");
    if (quiet) { return; }
    item.scrollIntoView({ block: "center" });
    var first = item.querySelector("input:not([type=range]), textarea");
    if (first && first.type !== "radio" && first.type !== "checkbox") { first.focus({ preventScroll: true }); }
  };

  // ---- the steps ----------------------------------------------------------------------------------------

  Ballot.prototype.show = function (index, focus) {
    var total = this.sections.length;
    index = Math.max(0, Math.min(index, total - 1));
    this.current = index;
    each(this.sections, function (section, i) { section.classList.toggle("is-current", i === index); });
    if (this.progress) { this.progress.value = index + 1; }
    var last = index === total - 1;
    this.prev.disabled = index === 0;
    this.next.classList.toggle("is-hidden", last);
    this.submit.classList.toggle("is-hidden", !last);
    if (focus) {
      window.scrollTo(0, 0);
      var heading = this.sections[index].querySelector(".vote-subject-name");
      if (heading) { heading.focus({ preventScroll: true }); }
    }
  };

  Ballot.prototype.forward = function () {
    var section = this.sections[this.current];
    var missing = missingIn(section);
    if (missing) { this.complain(section, missing); return; }
    this.say("");
    this.show(this.current + 1, true);
    this.save();
  };

  Ballot.prototype.back = function () {
    this.say("");
    this.show(this.current - 1, true);
    this.save();
  };

  Ballot.prototype.onSubmit = function (event) {
    for (var i = 0; i < this.sections.length; i += 1) {
      var missing = missingIn(this.sections[i]);
      if (missing) {
        event.preventDefault();
        this.show(i, false);
        this.complain(this.sections[i], missing);
        return;
      }
    }
    this.save();
    var button = this.submit;
    // Against a second tap while the page is on its way (the code votes once anyway).
    window.setTimeout(function () { button.disabled = true; }, 0);
  };

  Ballot.prototype.firstUnanswered = function () {
    for (var i = 0; i < this.sections.length; i += 1) {
      if (missingIn(this.sections[i])) { return i; }
    }
    return this.sections.length - 1;
  };

  Ballot.prototype.start = function () {
    var self = this;
    if (!this.sections.length || !this.prev || !this.next || !this.submit) { return; }
    this.form.classList.add("vote-js");
    this.form.noValidate = true;  // hidden screens cannot show the browser's own bubbles; we check instead

    var step = 0;
    if (this.form.getAttribute("data-restore") === "1") {
      var draft = this.load();
      if (draft) {
        this.restore(draft);
        step = parseInt(draft.step, 10) || 0;
      }
    } else {
      // The form came back with a message: what the server kept is the draft; go to the first gap.
      step = this.firstUnanswered();
    }
    this.limitAll();
    this.syncRanges();
    this.show(step, false);
    this.save();

    this.form.addEventListener("change", function (event) {
      var group = event.target.closest ? event.target.closest("[data-kind=multiple]") : null;
      if (group) { self.limit(group); }
      if (event.target.type === "number") { self.syncRanges(); }
      var item = event.target.closest ? event.target.closest("[data-item]") : null;
      if (item && answered(item)) { item.classList.remove("is-missing"); }
      self.recheck();
      self.save();
    });
    this.form.addEventListener("input", function (event) {
      var target = event.target;
      if (target.hasAttribute("data-range-for")) {
        var number = document.getElementById(target.getAttribute("data-range-for"));
        if (number) { number.value = target.value; }
      }
      if (target.type === "number") { self.syncRanges(); }
      self.save();
    });
    this.prev.addEventListener("click", function () { self.back(); });
    this.next.addEventListener("click", function () { self.forward(); });
    this.form.addEventListener("submit", function (event) { self.onSubmit(event); });
    // Back from the next page (the browser's page cache): the button works again.
    window.addEventListener("pageshow", function () { self.submit.disabled = false; });
  };

  function init() {
    clearDrafts();
    var form = document.getElementById("vote-form");
    if (form) { new Ballot(form).start(); }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
