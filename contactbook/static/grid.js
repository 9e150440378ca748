// The grade grid: arrow keys move between cells, Enter moves down (as in a spreadsheet), and each row of
// a scored subject shows its semester average as the circular computes it, while the teacher types.
// No inline script: the Content-Security-Policy forbids it. The server computes and checks everything
// again on saving; this is only a preview.
document.addEventListener("DOMContentLoaded", () => {
  const table = document.querySelector("[data-grid]");
  if (!table) {
    return;
  }
  const rows = Array.from(table.querySelectorAll("tbody tr"));
  const grid = rows.map((row) => Array.from(row.querySelectorAll("[data-cell]")));

  // Move from (r, c) by (dr, dc), passing over cells that cannot take the focus (a published level is
  // a disabled select); true when a cell took it.
  function move(r, c, dr, dc) {
    let row = r + dr;
    let col = c + dc;
    while (row >= 0 && row < grid.length) {
      const cells = grid[row];
      if (col < 0 || (dc !== 0 && col >= cells.length)) {
        return false;
      }
      const cell = cells[Math.min(col, cells.length - 1)];
      if (cell && !cell.disabled) {
        cell.focus();
        if (cell.select) {
          cell.select();
        }
        return document.activeElement === cell;
      }
      if (dr === 0 && dc === 0) {
        return false;
      }
      row += dr;
      col += dc;
    }
    return false;
  }

  function position(target) {
    for (let r = 0; r < grid.length; r += 1) {
      const c = grid[r].indexOf(target);
      if (c >= 0) {
        return [r, c];
      }
    }
    return null;
  }

  table.addEventListener("keydown", (event) => {
    const at = position(event.target);
    if (!at) {
      return;
    }
    const [r, c] = at;
    const isSelect = event.target.tagName === "SELECT";
    const text = event.target.value || "";
    const caret = event.target.selectionStart;
    let moved = false;
    if (event.key === "Enter" || (event.key === "ArrowDown" && !isSelect)) {
      moved = move(r, c, event.shiftKey && event.key === "Enter" ? -1 : 1, 0);
      if (event.key === "Enter") {
        event.preventDefault(); // Enter never submits the grid by accident
        return;
      }
    } else if (event.key === "ArrowUp" && !isSelect) {
      moved = move(r, c, -1, 0);
    } else if (event.key === "ArrowRight" && (isSelect || caret === null || caret >= text.length)) {
      moved = move(r, c, 0, 1);
    } else if (event.key === "ArrowLeft" && (isSelect || caret === null || caret === 0)) {
      moved = move(r, c, 0, -1);
    }
    if (moved) {
      event.preventDefault();
    }
  });

  // A block copied from a spreadsheet (cells split by tabs, rows by line breaks) fills the grid from the
  // cell pasted into, rightwards and down, cell for cell as in the sheet; a locked cell keeps its value.
  // Only text cells take pasted text (a level is chosen from its list); the server checks every cell.
  // A comment of several lines (from a document, a chat) stays in its cell: only a block with tabs spreads.
  table.addEventListener("paste", (event) => {
    const at = position(event.target);
    const text = event.clipboardData ? event.clipboardData.getData("text/plain") : "";
    const block = event.target.hasAttribute("data-comment") ? /\t/ : /[\t\r\n]/;
    if (!at || !block.test(text.replace(/[\r\n]+$/, ""))) {
      return; // one value: the browser pastes it into the cell as usual
    }
    event.preventDefault();
    const [r, c] = at;
    const lines = text.replace(/[\r\n]+$/, "").split(/\r\n|\r|\n/);
    lines.forEach((line, i) => {
      const cells = grid[r + i] || [];
      line.split("\t").forEach((value, j) => {
        const cell = cells[c + j];
        if (cell && cell.tagName === "INPUT" && !cell.readOnly && !cell.disabled) {
          cell.value = value.trim();
          cell.dispatchEvent(new Event("input", { bubbles: true }));
        }
      });
    });
  });

  // Scores in tenths as integers, so that rounding is exact: (sum tx + 2 gk + 3 ck) / (n + 5), half up.
  function tenths(text) {
    const match = /^\s*0*(\d{1,2})(?:[.,](\d))?\s*$/.exec(text);
    if (!match) {
      return null;
    }
    const value = Number(match[1]) * 10 + Number(match[2] || 0);
    return value <= 100 ? value : null;
  }

  function average(row) {
    const regular = [];
    let midterm = null;
    let final = null;
    for (const input of row.querySelectorAll("input[data-part]")) {
      const part = input.dataset.part;
      const value = tenths(input.value);
      if (value === null) {
        return null;
      }
      if (part === "gk") {
        midterm = value;
      } else if (part === "ck") {
        final = value;
      } else {
        regular.push(value);
      }
    }
    if (midterm === null || final === null) {
      return null;
    }
    const numerator = regular.reduce((a, b) => a + b, 0) + 2 * midterm + 3 * final;
    const denominator = regular.length + 5;
    return Math.floor((2 * numerator + denominator) / (2 * denominator)); // half up, in tenths
  }

  function show(row) {
    const cell = row.querySelector("[data-avg]");
    if (!cell) {
      return;
    }
    const value = average(row);
    cell.textContent = value === null ? "" : `${Math.floor(value / 10)},${value % 10}`;
  }

  if (table.dataset.kind === "score") {
    rows.forEach(show);
    table.addEventListener("input", (event) => {
      const row = event.target.closest("tr");
      if (row) {
        show(row);
      }
    });
  }
});
