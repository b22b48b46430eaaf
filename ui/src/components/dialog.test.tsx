import { fireEvent, render, screen } from "@testing-library/react";
import { describe, expect, it, vi } from "vitest";
import { ConfirmDialog } from "./dialog";

function renderDialog(props: Partial<Parameters<typeof ConfirmDialog>[0]> = {}) {
  const onConfirm = vi.fn();
  const onCancel = vi.fn();
  render(
    <ConfirmDialog title="Destroy X?" testId="x-dialog" confirmTestId="confirm-x" confirmLabel="Destroy X" tone="danger" onConfirm={onConfirm} onCancel={onCancel} {...props}>
      <p>It cannot be undone.</p>
    </ConfirmDialog>,
  );
  return { onConfirm, onCancel };
}

describe("ConfirmDialog", () => {
  it("asks with a title, a body, Cancel and the confirm button, focusing Cancel", () => {
    const { onConfirm, onCancel } = renderDialog();
    const dialog = screen.getByTestId("x-dialog");
    expect(dialog.getAttribute("role")).toBe("dialog");
    expect(screen.getByRole("dialog", { name: "Destroy X?" })).toBe(dialog);
    expect(dialog.textContent).toContain("It cannot be undone.");
    const confirm = screen.getByTestId("confirm-x");
    expect(confirm.textContent).toBe("Destroy X");
    expect(confirm.className).toContain("button--danger");
    expect(document.activeElement?.textContent).toBe("Cancel");
    fireEvent.click(confirm);
    expect(onConfirm).toHaveBeenCalledTimes(1);
    expect(onCancel).not.toHaveBeenCalled();
  });

  it("cancels on Cancel, on Esc and on a click beside it", () => {
    const { onCancel, onConfirm } = renderDialog();
    fireEvent.click(screen.getByText("Cancel"));
    fireEvent.keyDown(screen.getByTestId("confirm-x"), { key: "Escape" });
    const backdrop = screen.getByTestId("x-dialog").parentElement;
    if (backdrop === null) throw new Error("no backdrop");
    fireEvent.mouseDown(backdrop);
    expect(onCancel).toHaveBeenCalledTimes(3);
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it("can focus the confirm button first", () => {
    renderDialog({ focus: "confirm", tone: "primary" });
    expect(document.activeElement).toBe(screen.getByTestId("confirm-x"));
    expect(screen.getByTestId("confirm-x").className).toContain("button--primary");
  });

  it("offers neither button nor Esc while busy", () => {
    const { onCancel, onConfirm } = renderDialog({ busy: true, busyLabel: "Destroying…" });
    const confirm = screen.getByTestId<HTMLButtonElement>("confirm-x");
    expect(confirm.textContent).toBe("Destroying…");
    expect(confirm.disabled).toBe(true);
    expect(confirm.getAttribute("aria-busy")).toBe("true");
    expect(screen.getByText<HTMLButtonElement>("Cancel").disabled).toBe(true);
    fireEvent.keyDown(screen.getByTestId("x-dialog"), { key: "Escape" });
    expect(onCancel).not.toHaveBeenCalled();
    expect(onConfirm).not.toHaveBeenCalled();
  });

  it("can leave only a Close button", () => {
    const { onCancel } = renderDialog({ hideConfirm: true, cancelLabel: "Close" });
    expect(screen.queryByTestId("confirm-x")).toBeNull();
    fireEvent.click(screen.getByText("Close"));
    expect(onCancel).toHaveBeenCalledTimes(1);
  });
});
