"""Selfies and identity-card images made from two real portraits, for the face match.

The portraits are public-domain photographs shipped inside two packages of the ``[dev]``
extra: Eileen Collins (NASA; scikit-image's ``astronaut.png``) and Grace Hopper (US Navy;
matplotlib's ``grace_hopper.jpg``). They are read from the installed files, without
importing either package.

A second photo of the same person is made from the one we have, by what differs between
a selfie and an ID photo: the selfie is mirrored (as phones' front cameras save it), lit
from one side, framed and scaled differently; the card's portrait is smaller, slightly
turned and darker. A different person is the other photograph. Importable without Django
(the benchmark uses it too).
"""

import io
import random
from functools import cache
from importlib import metadata

import numpy as np
from PIL import Image, ImageDraw, ImageEnhance, ImageOps

PORTRAITS = {
    "eileen_collins": ("scikit-image", "skimage/data/astronaut.png"),
    "grace_hopper": ("matplotlib", "matplotlib/mpl-data/sample_data/grace_hopper.jpg"),
}
CARD_SIZE = (856, 540)  # ID-1 card at about 10 pixels per millimetre
CARD_COLOUR = (222, 230, 238)


class PortraitMissing(LookupError):
    """The package that ships the photograph is not installed."""


@cache
def portrait(name: str) -> Image.Image:
    distribution, path = PORTRAITS[name]
    try:
        location = metadata.distribution(distribution).locate_file(path)
    except metadata.PackageNotFoundError as error:
        raise PortraitMissing(f"{distribution} is not installed") from error
    with Image.open(location) as opened:
        return opened.convert("RGB")


def encode(image: Image.Image, *, quality: int = 90) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()


def _side_light(image: Image.Image, *, darkest: float = 0.5, brightest: float = 1.2):
    pixels = np.asarray(image, dtype=np.float32)
    ramp = np.linspace(darkest, brightest, pixels.shape[1])[None, :, None]
    return Image.fromarray(np.clip(pixels * ramp, 0, 255).astype(np.uint8))


def eileen_selfie() -> Image.Image:
    """Her head and shoulders, mirrored, lit from the right, 580 × 600."""
    head = portrait("eileen_collins").crop((110, 0, 400, 300)).resize((580, 600))
    return _side_light(ImageOps.mirror(head))


def grace_selfie() -> Image.Image:
    return portrait("grace_hopper").copy()


def eileen_card_portrait() -> Image.Image:
    """The photo on her card: turned 4°, framed tighter, darker, 180 × 200."""
    turned = portrait("eileen_collins").rotate(
        4, resample=Image.Resampling.BICUBIC, fillcolor=(200, 200, 200)
    )
    small = turned.crop((140, 30, 360, 270)).resize((180, 200))
    return ImageEnhance.Contrast(ImageEnhance.Brightness(small).enhance(0.85)).enhance(0.9)


PORTRAIT_BOX = (600, 100, 780, 300)  # where the portrait sits on the card


def id_card(photo: Image.Image | None = None) -> Image.Image:
    """A card laid out like the front of an ID card: lines of "text" on the left, the
    portrait on the right (none when ``photo`` is None)."""
    card = Image.new("RGB", CARD_SIZE, CARD_COLOUR)
    draw = ImageDraw.Draw(card)
    rng = random.Random(5)
    for top in range(60, 420, 50):
        draw.rectangle((40, top, 40 + rng.randint(200, 420), top + 14), fill=(80, 84, 100))
    if photo is not None:
        card.paste(photo.resize((180, 200)), PORTRAIT_BOX[:2])
    return card


def portrait_lifted_from(card: Image.Image) -> Image.Image:
    """The card's portrait cut out and enlarged, as someone sending it as their selfie."""
    return card.crop(PORTRAIT_BOX).resize((540, 600))


def two_people() -> Image.Image:
    """Both of them in one picture."""
    left, right = eileen_selfie().resize((400, 414)), grace_selfie().resize((400, 469))
    picture = Image.new("RGB", (800, 469), (128, 128, 128))
    picture.paste(left, (0, 30))
    picture.paste(right, (400, 0))
    return picture


def landscape() -> Image.Image:
    """No face: smooth colour gradients with some texture."""
    rng = np.random.default_rng(3)
    y, x = np.mgrid[0:480, 0:640]
    pixels = np.stack([x / 640 * 200, y / 480 * 180, 120 + 0 * x], axis=2)
    pixels = pixels + rng.normal(0, 12, pixels.shape)
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8))


def far_away() -> Image.Image:
    """Her face about 60 pixels wide in a 400 × 400 picture."""
    background = landscape().resize((400, 400))
    background.paste(eileen_selfie().resize((120, 124)), (140, 140))
    return background


def screen_capture(image: Image.Image, *, cell: int = 3, bezel: float = 0.12) -> Image.Image:
    """``image`` shown on a screen: each pixel drawn as red, green and blue stripes with
    dark gaps (an LCD's sub-pixels), resampled, and framed by dark bars above and below."""
    pixels = np.asarray(image, dtype=np.float32)
    height, width = pixels.shape[:2]
    large = np.repeat(np.repeat(pixels, cell, axis=0), cell, axis=1)
    mask = np.full((cell, cell, 3), 0.35, dtype=np.float32)
    for channel in range(3):
        mask[: cell - 1, channel % cell, channel] = 1.0
    large *= np.tile(mask, (height, width, 1))
    shown = Image.fromarray(np.clip(large, 0, 255).astype(np.uint8)).resize(
        (width * 2, height * 2), Image.Resampling.BILINEAR
    )
    bar = int(shown.height * bezel)
    framed = Image.new("RGB", (shown.width, shown.height + 2 * bar), (12, 12, 14))
    framed.paste(shown, (0, bar))
    return framed


def framed(image: Image.Image, *, bar: float = 0.12) -> Image.Image:
    """``image`` between flat dark bars above and below, as a screenshot of a phone."""
    height = int(image.height * bar)
    result = Image.new("RGB", (image.width, image.height + 2 * height), (12, 12, 14))
    result.paste(image, (0, height))
    return result
