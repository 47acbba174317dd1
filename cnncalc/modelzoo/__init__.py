"""Where models come from: the zoo, torchvision's builders of every task, import paths and timm, built on the
meta device."""
