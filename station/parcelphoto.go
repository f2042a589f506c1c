package station

// EventParcelPhoto: a photo of a parcel (its damaged box, for the carrier
// claim) was attached at the dock.
const EventParcelPhoto = "returns.parcel.photo_added"

// ParcelPhotoAddedData is the data of returns.parcel.photo_added.
type ParcelPhotoAddedData struct {
	ParcelID    string `json:"parcel_id"`
	Tracking    string `json:"tracking"`
	Carrier     string `json:"carrier"`
	Packaging   string `json:"packaging"`
	SHA256      string `json:"sha256"`
	ContentType string `json:"content_type"`
	Size        int    `json:"size"`
}

// EventType implements EventData.
func (ParcelPhotoAddedData) EventType() string { return EventParcelPhoto }

// AddParcelPhoto records a photo (already stored by content hash) on a
// parcel, typically of a box damaged in transit: the evidence for a claim
// against the carrier. The same picture twice is recorded once.
func AddParcelPhoto(tx Tx, env Env, parcelID string, ph Photo) (*Parcel, error) {
	if err := env.require(RoleOperator, "adding photos"); err != nil {
		return nil, err
	}
	p, err := loadParcel(tx, parcelID)
	if err != nil {
		return nil, err
	}
	for _, x := range p.Photos {
		if x.SHA256 == ph.SHA256 {
			return p, nil
		}
	}
	ph.AddedAt, ph.AddedBy = env.Now(), env.Actor
	p.Photos = append(p.Photos, ph)
	if err := tx.PutParcel(p); err != nil {
		return nil, err
	}
	d := ParcelPhotoAddedData{ParcelID: p.ID, Tracking: p.Tracking, Carrier: p.Carrier, Packaging: p.Packaging, SHA256: ph.SHA256, ContentType: ph.ContentType, Size: ph.Size}
	if err := env.emit(tx, "parcel/"+p.ID, d); err != nil {
		return nil, err
	}
	return p, nil
}
