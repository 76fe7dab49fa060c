/* Charts of the trust panel (Chart.js from npm, served as a static file).
   Colours come from the CSS variables --tf-theirs / --tf-ours, with fallbacks, so
   "their trust in us" has the same colour on every page. */
(function () {
  "use strict";

  function colour(el, name, fallback) {
    var value = getComputedStyle(el).getPropertyValue(name).trim();
    return value || fallback;
  }

  function percent(values) {
    return values.map(function (v) { return Math.round(v * 1000) / 10; });
  }

  function fillTable(panel, data) {
    var body = panel.querySelector('[data-table="history"] tbody');
    if (!body || body.children.length) return;
    data.dates.forEach(function (date, i) {
      var row = document.createElement("tr");
      [date, percent(data.theirs_in_us)[i], percent(data.ours_in_them)[i], data.balance[i]].forEach(function (v, j) {
        var cell = document.createElement(j === 0 ? "th" : "td");
        if (j === 0) cell.scope = "row";
        cell.textContent = v;
        row.appendChild(cell);
      });
      body.appendChild(row);
    });
  }

  function draw(panel) {
    var data = JSON.parse(document.getElementById(panel.dataset.jsonId).textContent);
    var labels = JSON.parse(document.getElementById(panel.dataset.jsonId.replace("-data-", "-labels-")).textContent);
    fillTable(panel, data);
    if (typeof Chart === "undefined" || panel.dataset.drawn) return;
    panel.dataset.drawn = "1";
    var theirs = colour(panel, "--tf-theirs", "#2b6cb0");
    var ours = colour(panel, "--tf-ours", "#c05621");
    var title = function (text) { return { display: true, text: text }; };

    new Chart(panel.querySelector('[data-chart="radar"]'), {
      type: "radar",
      data: {
        labels: data.components,
        datasets: [
          { label: labels.theirs, data: percent(data.theirs), borderColor: theirs, backgroundColor: theirs + "33" },
          { label: labels.ours, data: percent(data.ours), borderColor: ours, backgroundColor: ours + "33" }
        ]
      },
      options: {
        maintainAspectRatio: false,
        plugins: { title: title(labels.radar_title) },
        scales: { r: { min: 0, max: 100, ticks: { stepSize: 25 } } }
      }
    });

    new Chart(panel.querySelector('[data-chart="history"]'), {
      type: "line",
      data: {
        labels: data.dates,
        datasets: [
          { label: labels.theirs, data: percent(data.theirs_in_us), borderColor: theirs, backgroundColor: theirs, tension: 0.2 },
          { label: labels.ours, data: percent(data.ours_in_them), borderColor: ours, backgroundColor: ours, tension: 0.2 }
        ]
      },
      options: {
        maintainAspectRatio: false,
        plugins: { title: title(labels.history_title) },
        scales: {
          x: { title: title(labels.date) },
          y: { min: 0, max: 100, title: title(labels.history_y) }
        }
      }
    });

    new Chart(panel.querySelector('[data-chart="balance"]'), {
      type: "line",
      data: {
        labels: data.dates,
        datasets: [{ label: labels.balance, data: data.balance, borderColor: "#4a5568", backgroundColor: "#4a556833", fill: "origin", stepped: false }]
      },
      options: {
        maintainAspectRatio: false,
        plugins: { title: title(labels.balance_title), legend: { display: false } },
        scales: { x: { title: title(labels.date) }, y: { title: title(labels.balance_y) } }
      }
    });
  }

  function drawAll() {
    document.querySelectorAll("[data-tf-trust-panel]").forEach(draw);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", drawAll);
  } else {
    drawAll();
  }
  document.addEventListener("htmx:afterSettle", drawAll);
})();
