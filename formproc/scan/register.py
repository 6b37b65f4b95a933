"""Registration: map a scanned page onto the template's millimetre grid.

The reference is the template's blank rendered by formproc.render.blank (or a user's scan of a
real blank, saved with `save_reference`). ORB features matched with a ratio test give a RANSAC
homography, which covers any rotation, scale, translation and a phone's perspective; when that
fails, the page's printed frame (its largest quadrilateral) is matched to the reference's frame in
each of the four orientations. The alignment score is the share of the reference's printed lines
found in the warped page; below `MIN_SCORE` the page is not a front of this template.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import cv2
import numpy as np

from formproc.errors import InputError
from formproc.settings import data_dir

PX_PER_MM = 8.0  # the canonical resolution pages are warped to (about 203 dpi)
LOW_PX_PER_MM = 3.0  # the resolution features are matched at
MIN_SCORE = 0.55
_ORB = 4000


@dataclass
class Reference:
    """A template's blank in canonical pixels, with what registration needs precomputed."""

    name: str
    gray: np.ndarray  # canonical red channel of the blank (rosette and red series invisible), PX_PER_MM
    low: np.ndarray  # gray at LOW_PX_PER_MM
    lines: np.ndarray  # bool mask of printed marks at LOW_PX_PER_MM
    keypoints: tuple
    descriptors: np.ndarray
    frame: np.ndarray  # 4x2 corners of the printed frame at LOW_PX_PER_MM (tl, tr, br, bl)
    landmarks: np.ndarray | None = None  # Nx2 corners of printed marks (canonical px) for refinement
    rosette: np.ndarray | None = None  # bool: where the rendered blank's pink rosette lies (canonical px)

    @property
    def size(self) -> tuple[int, int]:
        """Canonical (width, height) in pixels."""
        return self.gray.shape[1], self.gray.shape[0]


@dataclass
class Registration:
    """The result of registering one page."""

    aligned: bool
    score: float
    method: str
    homography: np.ndarray | None  # pixels of the page as given -> canonical pixels
    warped: np.ndarray | None  # RGB page in canonical pixels


def _dark(gray: np.ndarray) -> np.ndarray:
    """Dark marks of a gray page, independent of paper colour and uneven light."""
    k = max(9, int(gray.shape[1] / 60) | 1)
    bg = cv2.morphologyEx(gray, cv2.MORPH_CLOSE, cv2.getStructuringElement(cv2.MORPH_RECT, (k, k)))
    diff = cv2.subtract(bg, gray)
    return diff > 60


def _frame(dark: np.ndarray) -> np.ndarray | None:
    """The corners (tl, tr, br, bl) of the largest quadrilateral of printed marks."""
    closed = cv2.morphologyEx(dark.astype(np.uint8) * 255, cv2.MORPH_CLOSE, np.ones((7, 7), np.uint8))
    contours, _ = cv2.findContours(closed, cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
    if not contours:
        return None
    big = max(contours, key=cv2.contourArea)
    if cv2.contourArea(big) < 0.2 * dark.shape[0] * dark.shape[1]:
        return None
    hull = cv2.convexHull(big)
    quad = cv2.approxPolyDP(hull, 0.02 * cv2.arcLength(hull, True), True)
    pts = quad.reshape(-1, 2).astype(np.float32) if len(quad) == 4 else cv2.boxPoints(cv2.minAreaRect(big))
    return _order(np.asarray(pts, np.float32))


def _order(pts: np.ndarray) -> np.ndarray:
    c = pts.mean(axis=0)
    ang = np.arctan2(pts[:, 1] - c[1], pts[:, 0] - c[0])
    pts = pts[np.argsort(ang)]  # clockwise in image coordinates, starting from the left
    start = int(np.argmin(pts.sum(axis=1)))
    return np.roll(pts, -start, axis=0)


def build_reference(name: str, gray: np.ndarray) -> Reference:
    """A Reference from a canonical gray image of the blank."""
    h, w = gray.shape
    f = LOW_PX_PER_MM / PX_PER_MM
    low = cv2.resize(gray, (int(round(w * f)), int(round(h * f))), interpolation=cv2.INTER_AREA)
    orb = cv2.ORB_create(_ORB)
    kp, des = orb.detectAndCompute(low, None)
    dark = _dark(low)
    frame = _frame(dark)
    if des is None or frame is None:
        raise InputError(f"template {name}: the blank has too few printed marks to register against")
    return Reference(name, gray, low, dark, tuple(kp), des, frame, _landmarks(gray))


def _landmarks(gray: np.ndarray) -> np.ndarray:
    """Well-spread corners of the blank's printed marks (box corners, letters), canonical pixels."""
    h, w = gray.shape
    pts = cv2.goodFeaturesToTrack(gray, 400, 0.05, 28, blockSize=7)
    if pts is None:
        return np.zeros((0, 2), np.float32)
    pts = pts.reshape(-1, 2)
    m = _PATCH + _SEARCH
    keep = (pts[:, 0] > m) & (pts[:, 0] < w - m) & (pts[:, 1] > m) & (pts[:, 1] < h - m)
    return pts[keep].astype(np.float32)


_PATCH = 14  # half side of a landmark's patch (canonical px)
_SEARCH = 12  # how far (px) a landmark may have moved after the coarse registration


def _vertex(left: float, mid: float, right: float) -> float:
    """The offset (-0.5..0.5) of a parabola's peak through three neighbouring scores."""
    den = left - 2 * mid + right
    return float(np.clip(0.5 * (left - right) / den, -0.5, 0.5)) if den < -1e-6 else 0.0


def _refine(warped_gray: np.ndarray, ref: Reference) -> np.ndarray | None:
    """A small correcting homography (canonical pixels): each landmark's patch of the blank is
    looked for near its place in the warped page (normalised correlation), RANSAC over the moves."""
    if ref.landmarks is None or len(ref.landmarks) < 30:
        return None
    src, dst = [], []
    r, s = _PATCH, _SEARCH
    for xi, yi in ref.landmarks.astype(int):
        patch = ref.gray[yi - r:yi + r + 1, xi - r:xi + r + 1]
        window = warped_gray[yi - r - s:yi + r + s + 1, xi - r - s:xi + r + s + 1]
        res = cv2.matchTemplate(window, patch, cv2.TM_CCOEFF_NORMED)
        _, best, _, (bx, by) = cv2.minMaxLoc(res)
        if best < 0.6 or not (0 < bx < res.shape[1] - 1 and 0 < by < res.shape[0] - 1):
            continue
        # sub-pixel peak by a parabola through the neighbours
        dx = _vertex(res[by, bx - 1], best, res[by, bx + 1])
        dy = _vertex(res[by - 1, bx], best, res[by + 1, bx])
        src.append((xi + bx + dx - s, yi + by + dy - s))
        dst.append((xi, yi))
    if len(src) < 30:
        return None
    h, inliers = cv2.findHomography(np.float32(src), np.float32(dst), cv2.RANSAC, 1.0, maxIters=2000)
    if h is None or inliers is None or int(inliers.sum()) < 25:
        return None
    return h


def rosette_zone(rgb: np.ndarray) -> np.ndarray:
    """Where the pink rosette of a rendered blank lies: pixels clearly redder than green, widened
    by a few pixels (its lines are too fine and dense at PX_PER_MM to be followed one by one)."""
    pink = rgb[:, :, 0].astype(np.int16) - rgb[:, :, 1].astype(np.int16) > 12
    return cv2.dilate(pink.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0


def _render_reference(template) -> np.ndarray:
    """The template's blank rendered in RGB at PX_PER_MM."""
    import pypdfium2 as pdfium

    from formproc.render.blank import render_blank

    pdf = pdfium.PdfDocument(render_blank(template))
    try:
        page = pdf[0]
        w_pt, _ = page.get_size()
        scale = template.page[0] * PX_PER_MM / w_pt
        img = np.asarray(page.render(scale=scale).to_pil().convert("RGB")).copy()
    finally:
        pdf.close()
    tw, th = int(round(template.page[0] * PX_PER_MM)), int(round(template.page[1] * PX_PER_MM))
    return cv2.resize(img, (tw, th), interpolation=cv2.INTER_AREA) if img.shape[:2] != (th, tw) else img


def reference_file(name: str) -> Path:
    """Where a user's scanned blank for template `name` is kept."""
    return data_dir() / "references" / f"{name}.png"


@lru_cache(maxsize=8)
def _reference_cached(name: str, user_file: str, mtime: float) -> Reference:
    from formproc.layout import load_template

    template = load_template(name)
    rendered = _render_reference(template)
    gray = np.ascontiguousarray(rendered[:, :, 0])  # red: the rosette and the red series drop out
    if user_file:
        gray = cv2.imread(user_file, cv2.IMREAD_GRAYSCALE)  # saved as the red channel
        if gray is None:
            raise InputError(f"{user_file}: the saved reference blank cannot be read")
    ref = build_reference(name, gray)
    ref.rosette = rosette_zone(rendered)  # printed at the template's place on every blank
    return ref


def reference_for(template) -> Reference:
    """The reference of a template: the user's scanned blank when saved, else the rendered blank."""
    user = reference_file(template.name)
    if user.is_file():
        return _reference_cached(template.name, str(user), user.stat().st_mtime)
    return _reference_cached(template.name, "", 0.0)


def save_reference(template, rgb: np.ndarray) -> float:
    """Register a scan of a real blank against the rendered blank and keep it as the template's
    reference; returns the alignment score."""
    ref = _reference_cached(template.name, "", 0.0)
    reg = register(rgb, ref)
    if not reg.aligned or reg.warped is None:
        raise InputError(f"the scan does not look like a blank {template.name} "
                         f"(alignment score {reg.score:.2f})")
    path = reference_file(template.name)
    path.parent.mkdir(parents=True, exist_ok=True)
    ok, png = cv2.imencode(".png", np.ascontiguousarray(reg.warped[:, :, 0]))
    from formproc.files import write_atomic

    write_atomic(path, png.tobytes())
    return reg.score


def _score(low_page: np.ndarray, h_low: np.ndarray, ref: Reference) -> float:
    """Share of the reference's printed marks that the warped page shows within 1 px."""
    warped = cv2.warpPerspective(low_page, h_low, (ref.low.shape[1], ref.low.shape[0]),
                                 flags=cv2.INTER_LINEAR, borderValue=255)
    dark = _dark(warped)
    near = cv2.dilate(dark.astype(np.uint8), np.ones((3, 3), np.uint8)) > 0
    total = int(ref.lines.sum())
    if total == 0:
        return 0.0
    recall = float((near & ref.lines).sum()) / total
    # a page darker everywhere than the blank (a photo, a different document) must not score high
    near_ref = cv2.dilate(ref.lines.astype(np.uint8), np.ones((5, 5), np.uint8)) > 0
    stray = float((dark & ~near_ref).sum()) / max(1, int(dark.sum()))
    return max(0.0, recall - max(0.0, stray - 0.5))


def _plausible(h: np.ndarray, ref: Reference, shape: tuple[int, int]) -> bool:
    """The page's corners land near the reference page and the map is not degenerate."""
    if h is None or not np.all(np.isfinite(h)):
        return False
    ph, pw = shape
    corners = np.float32([[0, 0], [pw, 0], [pw, ph], [0, ph]]).reshape(-1, 1, 2)
    out = cv2.perspectiveTransform(corners, h).reshape(-1, 2)
    rh, rw = ref.low.shape
    area = abs(cv2.contourArea(out.astype(np.float32)))
    return 0.5 * rw * rh < area < 2.0 * rw * rh and bool(cv2.isContourConvex(out.astype(np.float32)))


def _by_features(low: np.ndarray, ref: Reference) -> np.ndarray | None:
    orb = cv2.ORB_create(_ORB)
    kp, des = orb.detectAndCompute(low, None)
    if des is None or len(kp) < 20:
        return None
    matcher = cv2.BFMatcher(cv2.NORM_HAMMING)
    pairs = matcher.knnMatch(des, ref.descriptors, k=2)
    good = [p[0] for p in pairs if len(p) == 2 and p[0].distance < 0.8 * p[1].distance]
    if len(good) < 25:
        return None
    src = np.float32([kp[m.queryIdx].pt for m in good]).reshape(-1, 1, 2)
    dst = np.float32([ref.keypoints[m.trainIdx].pt for m in good]).reshape(-1, 1, 2)
    h, inliers = cv2.findHomography(src, dst, cv2.RANSAC, 3.0, maxIters=4000, confidence=0.999)
    if h is None or inliers is None or int(inliers.sum()) < 20:
        return None
    return h


def _by_frame(low: np.ndarray, ref: Reference) -> list[np.ndarray]:
    frame = _frame(_dark(low))
    if frame is None:
        return []
    out = []
    for turn in range(4):
        h = cv2.getPerspectiveTransform(np.roll(frame, turn, axis=0), ref.frame)
        out.append(h)
    return out


def register(rgb: np.ndarray, ref: Reference) -> Registration:
    """Register an RGB page against a reference; warp it to canonical pixels when aligned."""
    gray = np.ascontiguousarray(rgb[:, :, 0])  # red: the pink rosette and red series drop out
    ph, pw = gray.shape
    rh, rw = ref.low.shape
    # bring the page to about the reference's low resolution, whatever its dpi and orientation
    f = max(rh, rw) / max(ph, pw)
    low = cv2.resize(gray, (max(1, int(pw * f)), max(1, int(ph * f))), interpolation=cv2.INTER_AREA)
    best = (0.0, "none", None)
    h = _by_features(low, ref)
    if h is not None and _plausible(h, ref, low.shape):
        best = (_score(low, h, ref), "features", h)
    if best[0] < 0.8:
        for hf in _by_frame(low, ref):
            if _plausible(hf, ref, low.shape):
                s = _score(low, hf, ref)
                if s > best[0]:
                    best = (s, "frame", hf)
    score, method, h_low = best
    if h_low is None or score < MIN_SCORE:
        return Registration(False, round(score, 3), method, None, None)
    # page pixels -> low page -> low reference -> canonical
    up = ref.gray.shape[1] / rw
    h_full = np.diag([up, up, 1.0]) @ h_low @ np.diag([f, f, 1.0])
    # pre-shrink very large pages (600 dpi) so the warp does not alias
    src, shrink = rgb, 1.0
    if max(ph, pw) > 1.4 * max(ref.gray.shape):
        shrink = 1.2 * max(ref.gray.shape) / max(ph, pw)
        src = cv2.resize(rgb, (int(pw * shrink), int(ph * shrink)), interpolation=cv2.INTER_AREA)
    to_src = np.diag([1 / shrink, 1 / shrink, 1.0])

    def warp(image: np.ndarray, h: np.ndarray) -> np.ndarray:
        return cv2.warpPerspective(image, h @ to_src, ref.size, flags=cv2.INTER_LINEAR,
                                   borderMode=cv2.BORDER_CONSTANT, borderValue=(255, 255, 255))

    fix = _refine(warp(np.ascontiguousarray(src[:, :, 0]), h_full), ref)  # the red channel tells the fix
    if fix is not None:
        h_full = fix @ h_full
        method += "+refined"
    return Registration(True, round(score, 3), method, h_full, warp(src, h_full))
